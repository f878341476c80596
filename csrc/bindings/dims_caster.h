// pybind11 conversion of pydl::Dims (shapes, strides, axes) to and from Python sequences of ints, as for
// std::vector<int64_t>: a tuple/list in, a list out (the Python layer makes tuples where it wants them).
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include "core/dims.h"

namespace pybind11 {
namespace detail {

template <>
struct type_caster<pydl::Dims> {
  PYBIND11_TYPE_CASTER(pydl::Dims, const_name("list[int]"));
  bool load(handle src, bool convert) {
    make_caster<std::vector<int64_t>> inner;
    if (!inner.load(src, convert)) return false;
    value = cast_op<std::vector<int64_t>&&>(std::move(inner));
    return true;
  }
  static handle cast(const pydl::Dims& d, return_value_policy policy, handle parent) {
    return make_caster<std::vector<int64_t>>::cast(std::vector<int64_t>(d.begin(), d.end()), policy, parent);
  }
};

}  // namespace detail
}  // namespace pybind11
