// Embedding lookup: rows of a (input_dim, output_dim) float table gathered by integer ids of any shape, and its
// gradient, a deterministic scatter-add into the table's shape. Ids are read in their own dtype (no float trip).
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

namespace {
bool is_id_dtype(DType d) { return d == DType::UInt8 || d == DType::Int32 || d == DType::Int64; }

// Every id must lie in [0, v): the first one that does not is named with its position (kernels trust the ids).
template <typename I> void check_range(const I* p, int64_t n, int64_t v) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = static_cast<int64_t>(p[i]);
    PYDL_CHECK(id >= 0 && id < v, IndexError, "embedding: id ", id, " (at flat position ", i,
               ") is out of range for input_dim ", v, " (ids must be in [0, ", v, "))");
  }
}

void check_ids(const Tensor& ids, int64_t v) {
  const Tensor host = to_device(ids, Device{});  // a CUDA ids tensor is read back once for the check
  switch (host.dtype()) {
    case DType::UInt8: check_range(host.data<uint8_t>(), host.numel(), v); break;
    case DType::Int32: check_range(host.data<int32_t>(), host.numel(), v); break;
    default: check_range(host.data<int64_t>(), host.numel(), v); break;
  }
}
}  // namespace

Tensor embedding(const Tensor& ids_in, const Tensor& table_in) {
  PYDL_CHECK(table_in.dim() == 2, ShapeError, "embedding: the table must be 2-D (input_dim, output_dim), got shape ",
             shape_str(table_in.shape()));
  PYDL_CHECK(is_floating(table_in.dtype()), DTypeError, "embedding: the table must be float32 or float64, got dtype ",
             dtype_name(table_in.dtype()));
  PYDL_CHECK(is_id_dtype(ids_in.dtype()), DTypeError, "embedding: ids must be integers (uint8, int32 or int64), got dtype ",
             dtype_name(ids_in.dtype()));
  PYDL_CHECK(ids_in.device() == table_in.device(), DeviceError, "embedding: ids are on ", ids_in.device().str(),
             " but the table is on ", table_in.device().str());
  const int64_t v = table_in.shape()[0], d = table_in.shape()[1];
  Tensor ids = contiguous(detach(ids_in));
  check_ids(ids, v);
  Tensor table = contiguous(table_in);
  Shape out_shape = ids.shape();
  out_shape.push_back(d);
  Tensor out = empty(out_shape, table.dtype(), table.device());
  if (out.numel() > 0) PYDL_KERNEL(embedding, table.device(), "embedding")(out, table, ids);
  if (autograd::needs_grad({&table})) {
    autograd::record(out, "EmbeddingBackward", {table}, [ids, v, d](const Tensor& g) {
      Tensor grad = empty({v, d}, g.dtype(), g.device());
      if (grad.numel() == 0) return std::vector<Tensor>{grad};
      if (g.numel() == 0) return std::vector<Tensor>{zeros({v, d}, g.dtype(), g.device())};
      PYDL_KERNEL(embedding_backward, g.device(), "embedding_backward")(grad, contiguous(g), ids);
      return std::vector<Tensor>{grad};
    });
  }
  return out;
}

}  // namespace ops
}  // namespace pydl
