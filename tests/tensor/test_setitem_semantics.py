"""__setitem__ against NumPy 2 (issue #17 fuzz groups setitem-unit-dims, adv-index, setitem-scalar, bool-mask-len,
bcast-write): each test is a fuzz reproducer, with NumPy's answer computed alongside where NumPy has one."""
import numpy as np
import pytest

import pydl


def _both(shape, dtype, key, value):
    """(pydl result, NumPy result) of x[key] = value on zeros(shape) (or the exception types each raised)."""
    out = []
    for lib in ("pydl", "numpy"):
        a = np.zeros(shape, dtype)
        x = pydl.from_numpy(a) if lib == "pydl" else a
        v = pydl.tensor(value) if lib == "pydl" and isinstance(value, np.ndarray) else value
        try:
            x[key] = v
            out.append(np.asarray(x).copy())
        except Exception as e:                           # noqa: BLE001  the kind is compared below
            out.append(type(e))
    return out


# ---- extra leading size-1 dims of the value (setitem-unit-dims, adv-index) ---------------------------------------
@pytest.mark.parametrize("shape,key,value", [
    ((2,), (), np.array([[3, 3]])),                         # the reproducer
    ((), None, np.array([[1]])),
    ((2, 2), 0, np.ones((1, 1, 2))),
    ((1, 1), (-1, np.array([True])), np.array([[4]])),     # advanced key: NumPy returns [[4]]
    ((3, 2), np.array([0, 2]), np.ones((1, 1, 2, 2))),
    ((1, 2), (np.array([], np.int64), -2), np.ones((2, 0))),  # empty selection: NumPy lets the extra dim pass
])
def test_value_with_extra_leading_unit_dims(shape, key, value):
    got, want = _both(shape, np.int64, key, value)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape,key", [((2, 2), (0, 0)), ((), ())])
def test_one_element_target_still_needs_a_scalar(shape, key):
    got, want = _both(shape, np.int64, key, np.ones((1, 1)))
    assert want is ValueError and issubclass(got, ValueError)
    np.testing.assert_array_equal(*_both(shape, np.bool_, key, np.ones((1, 1))))   # bool: its truth value
    np.testing.assert_array_equal(*_both(shape, np.int64, key, np.array(5)))


def test_full_shape_mask_takes_only_0_or_1_d_values():
    got, want = _both((1, 3), np.uint8, np.array([[False, False, True]]), np.ones((1, 1), np.uint8))
    assert got is want is TypeError
    got, want = _both((3,), np.float64, np.array([True, False, True]), np.ones(3))
    assert want is ValueError and issubclass(got, ValueError)
    np.testing.assert_array_equal(*_both((3,), np.float64, np.array([True, False, True]), np.array([1.0, 2.0])))
    np.testing.assert_array_equal(*_both((), np.uint8, False, -0.0))


def test_empty_bool_index_is_an_empty_integer_index():
    x = np.zeros((2, 3, 0), np.int32)
    key = (Ellipsis, np.array([], dtype=bool), slice(None, 9), slice(None, 0))
    assert pydl.from_numpy(x)[key].shape == x[key].shape == (0, 3, 0)


# ---- Python scalars: NumPy's conversion, in NumPy's order (nep50 setitem leftovers) ------------------------------
@pytest.mark.parametrize("dtype,value", [
    (np.int32, 2.7), (np.int32, -1.5), (np.uint8, 255.9), (np.uint8, -0.5), (np.int32, 16777217.0),
    (np.int64, 2.0**62), (np.bool_, 2**70), (np.bool_, float("nan")), (np.bool_, -0.0), (np.float32, 2**70),
    (np.int32, float("nan")), (np.int32, float("inf")), (np.int32, 1e300), (np.uint8, -1.5), (np.uint8, 256.0),
    (np.int32, 2.0**31), (np.float64, 2**1100), (np.uint8, -4294967296)])
def test_python_scalar_is_converted_like_numpy(dtype, value):
    got, want = _both((2,), dtype, 0, value)
    if isinstance(want, type):
        assert got is want, (got, want)               # ValueError for NaN, OverflowError otherwise
    else:
        np.testing.assert_array_equal(got, want)


def test_empty_target_still_converts_the_value():
    got, want = _both((0,), np.int32, (), 1e300)
    assert got is want is OverflowError


def test_a_bad_basic_index_comes_before_the_value():
    got, want = _both((0,), np.uint8, 0, -4294967296)
    assert got is want is IndexError
    x = np.zeros((2, 0, 3, 3), np.uint8).transpose((0, 2, 1, 3))
    with pytest.raises(IndexError):                     # integers of an advanced key are checked first too
        pydl.from_numpy(x.copy())[(slice(-1, 0, 1), -1, -1, [-3, -3])] = float("inf")


def test_a_bad_key_form_comes_before_the_value():
    x = pydl.zeros((3, 2), dtype="uint8")
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[(..., np.array([True] * 7), slice(None))] = -2**62
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[(slice(None, None, 0), np.array([True, False]))] = -2**62


def test_a_bad_value_comes_before_bad_index_arrays():
    got, want = _both((5, 2), np.int32, (np.array([-6, -5, 2, -4]),), float("-inf"))
    assert got is want is OverflowError


# ---- writes through broadcast views (bcast-write): PyTorch's rule ------------------------------------------------
def test_write_through_a_non_overlapping_broadcast_view_is_allowed():
    base = np.zeros((), np.uint8)
    x = pydl.from_numpy(base).broadcast_to(())
    x[...] = 7
    x[None] = 8.9                                       # truncated, as NumPy does for a float into uint8
    assert int(base) == 8
    y = pydl.from_numpy(np.zeros((1,), np.int64)).broadcast_to((1, 1))
    y += 3
    y[(False,)] = -2                                    # selects nothing
    assert np.asarray(y).tolist() == [[3]]


@pytest.mark.parametrize("write", [
    lambda x: x.__setitem__(Ellipsis, 1),
    lambda x: x.__setitem__(np.array([0]), 1),          # an advanced key may reach any element: refused too
    lambda x: x.__iadd__(1),
    lambda x: x.__imul__(2**40)])                       # refused before the out-of-range operand is looked at
def test_write_through_an_overlapping_broadcast_view_is_refused(write):
    base = np.zeros((1,), np.int32)
    x = pydl.from_numpy(base).broadcast_to((3,))
    with pytest.raises(ValueError, match="refers to a single memory location"):
        write(x)
    assert base.tolist() == [0]


def test_read_only_destination_is_refused_before_the_value():
    x = pydl.from_numpy(np.broadcast_to(np.zeros((), np.uint8), ()))
    for write in (lambda: x.__setitem__(None, 256), lambda: x.__iadd__(-32768)):
        with pytest.raises(ValueError, match="read-only"):
            write()
