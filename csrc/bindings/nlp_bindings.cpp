// Bindings of the natural-language ops (pydl._C._embedding). pydl/nlp_ops.py converts Python/NumPy arguments first.
#include "bindings/common.h"
#include "ops/ops.h"

namespace pydl {
namespace bind {

using Tensors = plan::Tensors;

void bind_nlp(py::module_& m) {
  m.def("_embedding", [](const Tensor& ids, const Tensor& table) {
    return op_call("embedding", {ids, table}, [](const Tensors& t) { return ops::embedding(t[0], t[1]); });
  }, py::arg("ids"), py::arg("table"));
}

}  // namespace bind
}  // namespace pydl
