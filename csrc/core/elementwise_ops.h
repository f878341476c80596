// What the rows of core/elementwise_ops.def say besides their formulas, as constexpr tables indexed by the enums:
// names (pydl._C's and the autograd node's), aliases, integer capability and the Python keyword argument.
#pragma once
#include <cstddef>
#include "core/dispatch.h"
#include "core/errors.h"

namespace pydl {

enum class OpDTypes : int { FloatsOnly, Ints };
enum class OpRole : int { Math, Activation };
enum class ArgKind : int { None, Float, Bool, Custom };
struct OpArg {
  ArgKind kind;
  const char* name;      // the keyword (None, Custom: nullptr)
  double default_value;  // Bool: 0 or 1
};

namespace op_args {  // the spellings of the rows' args column
constexpr OpArg NoArgs{ArgKind::None, nullptr, 0.0};
constexpr OpArg Custom{ArgKind::Custom, nullptr, 0.0};
constexpr OpArg Float(const char* name, double default_value) { return {ArgKind::Float, name, default_value}; }
constexpr OpArg Bool(const char* name, bool default_value) { return {ArgKind::Bool, name, default_value ? 1.0 : 0.0}; }
}  // namespace op_args

struct UnaryInfo {
  UnaryOp op;
  const char* name;           // pydl._C.<name>, and the op's name in error messages
  const char* alias;          // a second public name ("" for none)
  const char* backward_name;  // the autograd node
  OpDTypes dtypes;
  OpRole role;
  OpArg arg;
};
struct BinaryInfo {
  BinaryOp op;
  const char* name;
  const char* alias;          // NumPy's ufunc name where it differs ("" for none)
  const char* backward_name;
  OpDTypes dtypes;
  bool comparison;
};

inline constexpr UnaryInfo kUnaryOpInfo[] = {
#define PYDL_UNARY(E, name, alias, dtypes, role, args, forward, backward) \
  {UnaryOp::E, name, alias, #E "Backward", OpDTypes::dtypes, OpRole::role, op_args::args},
#include "core/elementwise_ops.def"
};
inline constexpr BinaryInfo kBinaryOpInfo[] = {
#define PYDL_BINARY(E, name, alias, dtypes, kind, formula) \
  {BinaryOp::E, name, alias, #E "Backward", OpDTypes::dtypes, BinaryKind::kind == BinaryKind::Compare},
#include "core/elementwise_ops.def"
};

namespace detail {
template <typename Info, size_t N> constexpr bool rows_in_enum_order(const Info (&rows)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (static_cast<size_t>(rows[i].op) != i) return false;
  return true;
}
}  // namespace detail
static_assert(sizeof(kUnaryOpInfo) / sizeof(UnaryInfo) == static_cast<size_t>(UnaryOp::Count), "one row per UnaryOp");
static_assert(sizeof(kBinaryOpInfo) / sizeof(BinaryInfo) == static_cast<size_t>(BinaryOp::Count), "one row per BinaryOp");
static_assert(detail::rows_in_enum_order(kUnaryOpInfo) && detail::rows_in_enum_order(kBinaryOpInfo),
              "the info rows follow the enums");

inline const UnaryInfo& unary_info(UnaryOp op) {
  const int i = static_cast<int>(op);
  PYDL_CHECK(i >= 0 && i < static_cast<int>(UnaryOp::Count), ValueError, "unknown unary op ", i);
  return kUnaryOpInfo[i];
}
inline const BinaryInfo& binary_info(BinaryOp op) {
  const int i = static_cast<int>(op);
  PYDL_CHECK(i >= 0 && i < static_cast<int>(BinaryOp::Count), ValueError, "unknown binary op ", i);
  return kBinaryOpInfo[i];
}
inline const char* unary_name(UnaryOp op) { return unary_info(op).name; }
inline const char* binary_name(BinaryOp op) { return binary_info(op).name; }
// Whether the op runs on integer tensors in their own dtype (otherwise the op layer computes them in float32).
inline bool unary_int_ok(UnaryOp op) { return unary_info(op).dtypes == OpDTypes::Ints; }
inline bool binary_int_ok(BinaryOp op) { return binary_info(op).dtypes == OpDTypes::Ints; }

}  // namespace pydl
