// Shared conversions for the pybind11 layer. Bindings only convert and release the GIL; no math here.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "autograd/plan.h"
#include "bindings/dims_caster.h"
#include "core/dispatch.h"
#include "core/tensor.h"

namespace pydl {
namespace bind {

namespace py = pybind11;

// True once the interpreter has begun shutting down (threads that take the GIL then are ended by pthread_exit).
inline bool interpreter_exiting() {
#if PY_VERSION_HEX >= 0x030D0000
  return !Py_IsInitialized() || Py_IsFinalizing();
#else
  return !Py_IsInitialized() || _Py_IsFinalizing();
#endif
}

// Releases the GIL for the scope. A daemon thread still in a kernel when the interpreter exits would be ended by
// pthread_exit inside the GIL re-acquisition; from a (noexcept) destructor that std::terminate()s the whole
// process. Such a thread parks instead, holding nothing, until the exiting process ends it.
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  ~GilRelease() noexcept(false) {
    if (interpreter_exiting()) pause_forever();
    PyEval_RestoreThread(state_);
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  static void pause_forever();
  PyThreadState* state_;
};

// "file.py:LINE in FUNCTION" of the innermost Python frame (for messages that point at the user's code).
std::string python_location();
// While a step plan records, work that is not a recorded op makes the plan unusable (see autograd/plan.h).
void refuse_plan(const char* what);

// Runs f with the GIL released (kernels never touch Python objects). Op bindings use op_call instead: work run
// through nogil while a plan records is not recorded, so it makes the plan unusable.
template <typename F> auto nogil(F&& f) {
  if (plan::recording() && !plan::inside_op()) refuse_plan("an operation the plan cannot record");
  GilRelease release;
  return f();
}

// Runs the op f(ins) -> Tensor with the GIL released and, while a plan records, records it under `name`. f gets the
// tensors in `ins` order and captures every other argument by value (it is replayed later, without Python).
template <typename F> Tensor op_call(const char* name, plan::Tensors ins, F f) {
  if (!plan::recording()) {
    GilRelease release;
    return f(static_cast<const plan::Tensors&>(ins));
  }
  plan::OpFn fn = [f](const plan::Tensors& t) { return plan::Tensors{f(t)}; };
  GilRelease release;
  return plan::record(name, ins, std::move(fn))[0];
}
// The same for an op with several outputs (f(ins) -> Tensors).
template <typename F> plan::Tensors op_call_many(const char* name, plan::Tensors ins, F f) {
  if (!plan::recording()) {
    GilRelease release;
    return f(static_cast<const plan::Tensors&>(ins));
  }
  GilRelease release;
  return plan::record(name, ins, plan::OpFn(f));
}
// The same for an op that writes in place and returns nothing (f(ins) -> void).
template <typename F> void op_call_void(const char* name, plan::Tensors ins, F f) {
  if (!plan::recording()) {
    GilRelease release;
    f(static_cast<const plan::Tensors&>(ins));
    return;
  }
  plan::OpFn fn = [f](const plan::Tensors& t) {
    f(t);
    return plan::Tensors{};
  };
  GilRelease release;
  plan::record(name, ins, std::move(fn));
}

DType to_dtype(py::handle obj);                // pydl.DType, "float32", numpy dtype or type
Device to_device(py::handle obj);              // "cpu", "cuda:0", pydl.Device
Shape to_shape(py::args args);                 // f(2, 3) or f((2, 3)) or f([2, 3])
Shape to_shape(py::handle obj);
std::vector<int64_t> to_axes(py::handle obj);  // None -> {}, int -> {a}, tuple -> list
// An int axis 0 or -1 (not in a tuple): NumPy's reductions and squeeze take it for a 0-d array as its only axis.
bool is_scalar_axis(py::handle obj);

// Argument checks that name what was wrong (instead of pybind11's "Unable to cast ... to C++ type '?'").
std::string py_repr(py::handle obj);
std::string describe(py::handle obj);  // "float 1.5": type name and repr
[[noreturn]] void throw_overflow(const std::string& msg);  // raises Python's OverflowError
// A Python int (or an object with __index__, bools refused) as int64: TypeError naming `what` and the value
// for other types, ValueError when it does not fit in 64 bits.
int64_t to_int64(py::handle obj, const std::string& what);
double to_double(py::handle obj, const std::string& what);  // int or float; TypeError otherwise
Tensor to_tensor_arg(py::handle obj, const std::string& what);  // a Tensor, or TypeError naming `what`

// How a Python scalar meets a tensor (NumPy 2, NEP 50): the scalar takes the tensor's dtype; a Python int that
// does not fit it raises OverflowError in arithmetic, is compared exactly, and is a float in true division.
enum class ScalarRole { Arithmetic, Compare, TrueDiv };
// The other operand of an operator: Tensor, Python scalar or array-like; scalars take `like`'s dtype
// (a float with an integer tensor gives float32). Throws py::type_error when it is none of these.
Tensor to_operand(py::handle obj, const Tensor& like, ScalarRole role = ScalarRole::Arithmetic);
bool is_operand(py::handle obj);
// t op other (other op t when `reverse`), other being anything to_operand takes. The GIL is released for the op.
Tensor binary_with(BinaryOp op, const Tensor& t, py::handle other, bool reverse);
// a @ b (b @ a when `reverse`), b being anything to_operand takes.
Tensor matmul_call(const Tensor& a, py::handle b, bool reverse);
// A Python bool, int or float (a constant of the program, unlike an array that may hold data).
bool is_python_scalar(py::handle obj);
// t op= other (the Python operators +=, -=, *=, /=), with NumPy's same_kind casting; the GIL is released for the op.
void inplace_with(BinaryOp op, const Tensor& t, py::handle other);

// NumPy interop (numpy_interop.cpp)
Tensor from_numpy(py::array arr);                   // shares memory, keeps arr alive
py::array to_numpy(const Tensor& t, py::handle owner);  // zero-copy view kept alive by owner
py::array numpy_view(const Tensor& t);                  // zero-copy view that keeps the storage alive (CPU only)
py::buffer_info buffer_of(const Tensor& t);

void bind_tensor(py::module_& m);
void bind_ops(py::module_& m);
void bind_interop(py::module_& m);
void bind_dlpack(py::module_& m);
void bind_optim(py::module_& m);  // optim_bindings.cpp: optimizer updates, softmax cross-entropy
void bind_conv(py::module_& m);   // conv_bindings.cpp: convolution, pooling, upsampling
void bind_nlp(py::module_& m);    // nlp_bindings.cpp: embedding
void bind_w2v(py::module_& m);    // w2v_bindings.cpp: the word2vec trainer
void bind_plan(py::module_& m);   // plan_bindings.cpp: step plans (record once, replay from C++)

// Optimizer arguments as _optim_update and _train_steps take them (optim_bindings.cpp): the rule's constants (c: up to
// five, the rest 0), and one list per parameter of up to 3 slot Tensors or None.
OptimStep optim_rule(OptimKind kind, double lr, double beta1, double beta2, double eps, std::vector<double> c,
                     bool nesterov, bool amsgrad, double clipnorm, double clipvalue);
std::vector<std::array<Tensor, 3>> optim_slots(py::list slots);

}  // namespace bind
}  // namespace pydl
