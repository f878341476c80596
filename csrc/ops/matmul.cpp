// matmul with NumPy semantics (1-D operands, broadcast batch dims). Operands reach the GEMM without copies when
// each matrix has a unit stride in one of its two dims (transposed views become trans flags).
#include "autograd/node.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// A batch of matrices ready for the GEMM: data pointer, leading dim, trans flag and one batch stride.
struct GemmOperand {
  Tensor keep;  // holds the memory (a contiguous copy when the view could not be used)
  bool trans = false;
  int64_t ld = 0, batch_stride = 0;
};

// t: (batch..., r, c) already expanded to the output batch shape.
GemmOperand prepare(const Tensor& t, int64_t batch) {
  const int64_t nd = t.dim(), r = t.shape()[nd - 2], c = t.shape()[nd - 1];
  const int64_t sr = t.strides()[nd - 2], sc = t.strides()[nd - 1];
  // One stride must walk all batch dims (0 for a fully broadcast operand).
  int64_t bstride = 0;
  bool batch_ok = true;
  {
    int64_t expect = 0;
    bool first = true;
    for (int64_t d = nd - 3; d >= 0; --d) {
      if (t.shape()[d] == 1) continue;
      if (first) { bstride = t.strides()[d]; expect = bstride * t.shape()[d]; first = false; }
      else if (t.strides()[d] != expect) { batch_ok = false; break; }
      else expect *= t.shape()[d];
    }
  }
  GemmOperand op;
  if (batch_ok && (sc == 1 || c == 1) && sr >= std::max<int64_t>(c, 1)) {
    op = {t, false, std::max<int64_t>(sr, std::max<int64_t>(c, 1)), bstride};
  } else if (batch_ok && (sr == 1 || r == 1) && sc >= std::max<int64_t>(r, 1)) {
    op = {t, true, std::max<int64_t>(sc, std::max<int64_t>(r, 1)), bstride};
  } else {
    Tensor cont = contiguous(detach(t));
    op = {cont, false, std::max<int64_t>(c, 1), r * c};
  }
  if (batch <= 1) op.batch_stride = 0;
  return op;
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_same_device(a_in, b_in, "matmul");
  PYDL_CHECK(a_in.dim() >= 1 && b_in.dim() >= 1, ShapeError, "matmul: operands must have at least one dimension, got shapes ",
             shape_str(a_in.shape()), " and ", shape_str(b_in.shape()));
  PYDL_CHECK(a_in.dtype() == b_in.dtype() && is_floating(a_in.dtype()), DTypeError,
             "matmul: expected two float32 or two float64 tensors, got ", dtype_name(a_in.dtype()), " and ",
             dtype_name(b_in.dtype()));
  // 1-D operands become matrices and the added dim is removed from the result.
  Tensor a = a_in.dim() == 1 ? unsqueeze(a_in, 0) : a_in;
  Tensor b = b_in.dim() == 1 ? unsqueeze(b_in, -1) : b_in;
  const int64_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1], n = b.shape()[b.dim() - 1];
  PYDL_CHECK(b.shape()[b.dim() - 2] == k, ShapeError, "matmul: shapes ", shape_str(a_in.shape()), " and ",
             shape_str(b_in.shape()), " are not aligned (", k, " != ", b.shape()[b.dim() - 2], ")");
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch_shape;
  try {
    batch_shape = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const ShapeError&) {
    throw ShapeError(str_cat("matmul: the batch dimensions of shapes ", shape_str(a_in.shape()), " and ",
                             shape_str(b_in.shape()), " cannot be broadcast together"));
  }
  const int64_t batch = numel_of(batch_shape);
  Shape ea = batch_shape, eb = batch_shape, out_shape = batch_shape;
  ea.insert(ea.end(), {m, k});
  eb.insert(eb.end(), {k, n});
  out_shape.insert(out_shape.end(), {m, n});

  Tensor out = empty(out_shape, a.dtype(), a.device());
  if (out.numel() > 0) {
    // Plain matrices go straight to the GEMM; batched operands are first broadcast to the output's batch shape.
    const bool plain = a.dim() == 2 && b.dim() == 2;
    GemmOperand A = prepare(plain ? a : expand(detach(a), ea), batch);
    GemmOperand B = prepare(plain ? b : expand(detach(b), eb), batch);
    PYDL_KERNEL(gemm, a.device(), "matmul")(a.dtype(), A.trans, B.trans, m, n, k, 1.0, A.keep.raw_data(), A.ld,
                                            A.batch_stride, B.keep.raw_data(), B.ld, B.batch_stride, 0.0,
                                            out.raw_data(), n, m * n, batch);
  }
  Tensor result = out;
  if (a_in.dim() == 1 && b_in.dim() == 1) result = reshape(detach(out), {});
  else if (a_in.dim() == 1) result = squeeze(detach(out), {-2});
  else if (b_in.dim() == 1) result = squeeze(detach(out), {-1});
  if (needs_grad({&a_in, &b_in})) {
    result = Tensor::view_of(result, result.shape(), result.strides(), result.offset());
    SavedTensor A(a), B(b);
    const Shape sa = a_in.shape(), sb = b_in.shape();
    const bool ga = a_in.requires_grad(), gb = b_in.requires_grad();
    const Shape full_out = out_shape;
    record(result, "MatmulBackward", {a_in, b_in}, [=](const Tensor& g_in) {
      Tensor g = reshape(g_in, full_out);
      Tensor da, db;
      if (ga) da = sum_to_shape(matmul(g, transpose(B.get(), -1, -2)), A.get().shape());
      if (gb) db = sum_to_shape(matmul(transpose(A.get(), -1, -2), g), B.get().shape());
      return Grads{da.defined() ? reshape(da, sa) : da, db.defined() ? reshape(db, sb) : db};
    });
  }
  return result;
}

void gemm_(const Tensor& c, const Tensor& a, const Tensor& b, double alpha, double beta, bool trans_a, bool trans_b) {
  check_same_device(a, b, "gemm");
  check_same_device(a, c, "gemm");
  PYDL_CHECK(a.dim() == 2 && b.dim() == 2 && c.dim() == 2, ShapeError, "gemm: expected matrices, got shapes ",
             shape_str(a.shape()), ", ", shape_str(b.shape()), " and ", shape_str(c.shape()));
  PYDL_CHECK(a.dtype() == b.dtype() && a.dtype() == c.dtype() && is_floating(a.dtype()), DTypeError,
             "gemm: expected float32 or float64 operands of one dtype, got ", dtype_name(a.dtype()), ", ",
             dtype_name(b.dtype()), " and ", dtype_name(c.dtype()));
  PYDL_CHECK(!(autograd::grad_enabled() && (a.requires_grad() || b.requires_grad() || c.requires_grad())), RuntimeError,
             "gemm: in-place GEMM is not differentiable; use matmul or pydl.no_grad()");
  const Tensor A = trans_a ? transpose(detach(a), 0, 1) : a, B = trans_b ? transpose(detach(b), 0, 1) : b;
  const int64_t m = A.shape()[0], k = A.shape()[1], n = B.shape()[1];
  PYDL_CHECK(B.shape()[0] == k && c.shape()[0] == m && c.shape()[1] == n, ShapeError, "gemm: op(a) ",
             shape_str(A.shape()), " @ op(b) ", shape_str(B.shape()), " does not fit c of shape ", shape_str(c.shape()));
  check_writable(c, "gemm_");
  if (m == 0 || n == 0) return;
  GemmOperand PA = prepare(A, 1), PB = prepare(B, 1);
  // The kernel writes rows of unit column stride at a positive leading dimension. Any other layout of c (reversed
  // or strided rows), or a c sharing memory with a or b, gets the product in a contiguous temporary copied back.
  const int64_t rs = c.strides()[0], cs = c.strides()[1];
  const bool direct = (cs == 1 || n == 1) && (m == 1 || rs >= n) && c.storage() != a.storage() &&
                      c.storage() != b.storage();
  Tensor out = direct ? c : (beta == 0 ? empty({m, n}, c.dtype(), c.device()) : clone(detach(c)));
  const int64_t ld = direct && m > 1 ? rs : n;
  PYDL_KERNEL(gemm, c.device(), "gemm")(c.dtype(), PA.trans, PB.trans, m, n, k, alpha, PA.keep.raw_data(), PA.ld, 0,
                                        PB.keep.raw_data(), PB.ld, 0, beta, out.raw_data(), ld, 0, 1);
  if (!direct) PYDL_KERNEL(copy, c.device(), "gemm")(c, out);
  c.storage()->bump_version();
}

}  // namespace ops
}  // namespace pydl
