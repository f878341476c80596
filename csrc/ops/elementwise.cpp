// Elementwise ops with NumPy broadcasting and dtype promotion, and their gradients.
#include "autograd/node.h"
#include "core/elementwise_ops.h"
#include "ops/ops.h"

namespace pydl {
namespace ops {

using autograd::needs_grad;
using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {
// NumPy's ufunc names (the table's alias where pydl's name differs), for its casting messages.
const char* ufunc_name(BinaryOp op) {
  const BinaryInfo& info = binary_info(op);
  return *info.alias ? info.alias : info.name;
}
// bool < unsigned < signed < float: NumPy's same_kind casting allows a result into a dtype of this rank or higher.
int kind_rank(DType d) {
  if (d == DType::Bool) return 0;
  if (d == DType::UInt8) return 1;
  return is_floating(d) ? 3 : 2;
}
}  // namespace

Tensor broadcast_view(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  const int64_t lead = static_cast<int64_t>(shape.size()) - t.dim();
  Shape strides(shape.size(), 0);
  for (int64_t i = lead; i < static_cast<int64_t>(shape.size()); ++i)
    if (t.shape()[i - lead] == shape[i]) strides[i] = t.strides()[i - lead];
  return Tensor::view_of(t, shape, std::move(strides), t.offset());
}

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  Shape axes;
  for (int64_t i = 0; i < g.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(i);
  Tensor r = axes.empty() ? g : sum(g, axes, true);
  return reshape(r, shape);
}

DType binary_dtype(BinaryOp op, DType a, DType b) {
  DType dt = promote(a, b);
  if (op == BinaryOp::Div && !is_floating(dt)) return DType::Float32;  // true division
  if (dt != DType::Bool || is_comparison(op)) return dt;
  // NumPy: + and * of bools are logical or / and, maximum/minimum stay bool, - is refused, ** counts (int).
  PYDL_CHECK(op != BinaryOp::Sub, DTypeError, "sub: boolean subtract, the `-` operator, is not supported for two "
             "bool operands (as in NumPy); use pydl.ne(a, b) for exclusive or");
  return op == BinaryOp::Pow ? DType::Int64 : DType::Bool;
}

Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const char* name = binary_name(op);
  check_same_device(a_in, b_in, name);
  const DType dt = binary_dtype(op, a_in.dtype(), b_in.dtype());
  Tensor a = cast(a_in, dt), b = cast(b_in, dt);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty(shape, is_comparison(op) ? DType::Bool : dt, a.device());
  PYDL_KERNEL(binary, a.device(), name)(out, broadcast_view(a, shape), broadcast_view(b, shape), op);
  if (is_comparison(op) || !is_floating(dt) || !needs_grad({&a, &b})) return out;

  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const Shape sa = a.shape(), sb = b.shape();
  SavedTensor A(a), B(b), Y(out);
  auto fin = [sa, sb](Tensor da, Tensor db) {
    return Grads{da.defined() ? sum_to_shape(da, sa) : da, db.defined() ? sum_to_shape(db, sb) : db};
  };
  autograd::BackwardFn fn;
  switch (op) {
    case BinaryOp::Add: fn = [=](const Tensor& g) { return fin(ga ? g : Tensor(), gb ? g : Tensor()); }; break;
    case BinaryOp::Sub:
      fn = [=](const Tensor& g) { return fin(ga ? g : Tensor(), gb ? unary(UnaryOp::Neg, g) : Tensor()); };
      break;
    case BinaryOp::Mul:
      fn = [=](const Tensor& g) { return fin(ga ? mul(g, B.get()) : Tensor(), gb ? mul(g, A.get()) : Tensor()); };
      break;
    case BinaryOp::Div:
      fn = [=](const Tensor& g) {
        Tensor da = div(g, B.get());
        return fin(ga ? da : Tensor(), gb ? unary(UnaryOp::Neg, mul(da, Y.get())) : Tensor());
      };
      break;
    case BinaryOp::Pow:
      fn = [=](const Tensor& g) {
        Tensor da, db;
        if (ga) da = mul(g, mul(B.get(), binary(BinaryOp::Pow, A.get(), add_scalar(B.get(), -1.0))));
        if (gb) db = mul(g, mul(Y.get(), unary(UnaryOp::Log, A.get())));
        return fin(da, db);
      };
      break;
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {  // the gradient goes to the chosen input; ties split it evenly (like PyTorch)
      const BinaryOp win = op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt;
      fn = [=](const Tensor& g) {
        Tensor wa = add(cast(binary(win, A.get(), B.get()), g.dtype()),
                        mul_scalar(cast(binary(BinaryOp::Eq, A.get(), B.get()), g.dtype()), 0.5));
        Tensor da = mul(g, wa);
        Tensor db = gb ? sub(g, da) : Tensor();
        return fin(ga ? da : Tensor(), db);
      };
      break;
    }
    default:  // comparisons returned above; a new arithmetic row needs its gradient here
      throw NotImplementedError(str_cat(name, ": no gradient is declared for this op (ops/elementwise.cpp)"));
  }
  record(out, binary_info(op).backward_name, {a, b}, std::move(fn));
  return out;
}

void binary_(BinaryOp op, const Tensor& a, const Tensor& b_in) {
  const char* name = binary_name(op);
  check_same_device(a, b_in, name);
  PYDL_CHECK(!(a.requires_grad() && autograd::grad_enabled()), RuntimeError, name,
             "_: in-place operation on a tensor that requires grad; use pydl.no_grad() or an out-of-place op");
  PYDL_CHECK(!is_comparison(op), ValueError, name, ": comparisons have no in-place form");
  check_writable(a, str_cat(name, "_").c_str());
  // NumPy's same_kind rule: the out-of-place result may be stored only into a dtype of its kind or a higher one
  // (int64 into int32 wraps like NumPy; int into bool, signed into uint8, float into int are refused).
  const DType result = binary_dtype(op, a.dtype(), b_in.dtype());
  PYDL_CHECK(kind_rank(result) <= kind_rank(a.dtype()), DTypeError, "Cannot cast ufunc '", ufunc_name(op),
             "' output from dtype('", dtype_name(result), "') to dtype('", dtype_name(a.dtype()),
             "') with casting rule 'same_kind'");
  Shape shape = broadcast_shapes(a.shape(), b_in.shape(), name);
  PYDL_CHECK(shape == a.shape(), ShapeError, name, "_: the result of shape ", shape_str(shape),
             " does not fit the in-place target of shape ", shape_str(a.shape()));
  if (result != a.dtype()) {  // NumPy computes in the result dtype, then casts (float32 /= a float64 tiny value)
    Tensor r = binary(op, detach(a), detach(b_in));
    PYDL_KERNEL(copy, a.device(), name)(a, r);
    a.storage()->bump_version();
    return;
  }
  Tensor b = cast(detach(b_in), a.dtype());
  if (b.storage() == a.storage()) b = clone(b);
  PYDL_KERNEL(binary, a.device(), name)(a, a, broadcast_view(b, shape), op);
  a.storage()->bump_version();
}

Tensor where(const Tensor& cond_in, const Tensor& a_in, const Tensor& b_in) {
  check_same_device(a_in, b_in, "where");
  check_same_device(cond_in, a_in, "where");
  DType dt = promote(a_in.dtype(), b_in.dtype());
  Tensor a = cast(a_in, dt), b = cast(b_in, dt), cond = cast(cond_in, DType::Bool);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty(shape, dt, a.device());
  PYDL_KERNEL(where, a.device(), "where")(out, broadcast_view(cond, shape), broadcast_view(a, shape), broadcast_view(b, shape));
  if (is_floating(dt) && needs_grad({&a, &b})) {
    SavedTensor C(cond);
    const Shape sa = a.shape(), sb = b.shape();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    record(out, "WhereBackward", {a, b}, [=](const Tensor& g) {
      Tensor z = zeros({}, g.dtype(), g.device());
      return Grads{ga ? sum_to_shape(where(C.get(), g, z), sa) : Tensor(), gb ? sum_to_shape(where(C.get(), z, g), sb) : Tensor()};
    });
  }
  return out;
}

Tensor unary(UnaryOp op, const Tensor& x_in, double p0, double p1) {
  const char* name = unary_name(op);
  PYDL_CHECK(x_in.dtype() != DType::Bool || op == UnaryOp::Clip, DTypeError, name, ": not defined for bool tensors");
  Tensor x = (is_floating(x_in.dtype()) || unary_int_ok(op)) ? x_in : cast(x_in, DType::Float32);
  Tensor out = empty(x.shape(), x.dtype(), x.device());
  PYDL_KERNEL(unary, x.device(), name)(out, x, op, p0, p1);
  if (is_floating(x.dtype()) && needs_grad({&x})) {
    SavedTensor X(x), Y(out);
    record(out, unary_info(op).backward_name, {x}, [=](const Tensor& g_in) {
      Tensor g = contiguous(g_in), xs = contiguous(X.get()), ys = contiguous(Y.get());
      Tensor gi = empty(g.shape(), g.dtype(), g.device());
      PYDL_KERNEL(unary_backward, g.device(), name)(gi, g, xs, ys, op, p0, p1);
      return Grads{gi};
    });
  }
  return out;
}

Tensor mul_scalar(const Tensor& a, double s) { return mul(a, scalar(s, a.dtype(), a.device())); }
Tensor add_scalar(const Tensor& a, double s) { return add(a, scalar(s, a.dtype(), a.device())); }

}  // namespace ops
}  // namespace pydl
