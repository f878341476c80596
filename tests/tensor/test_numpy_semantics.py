"""pydl against NumPy 2 on the cases issue 17 found wrong: reduction axes, Python ints beyond a dtype (NEP 50),
advanced-indexing shapes, std's gradient at zero variance. Expected values come from NumPy in the test."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pydl

# ---- reductions: every axis form ------------------------------------------------------------------------------

REDUCTIONS = ["sum", "mean", "max", "min", "var", "std"]
AXES = [None, (), 0, -1, (0,), (1, -1), (0, 1, 2), (-3, 2), [0, 2]]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_axes_match_numpy(name, axis, keepdims):
    a = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    want = getattr(np, name)(a, axis=np_axis, keepdims=keepdims)
    got = getattr(pydl, name)(pydl.tensor(a), axis=axis, keepdims=keepdims)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_over_no_axis_keeps_int_values_and_gradient(name):
    a = np.array([[1, 2], [3, 250]], np.uint8)
    want = getattr(np, name)(a, axis=())
    got = getattr(pydl, name)(pydl.tensor(a), axis=())
    assert got.shape == (2, 2)
    np.testing.assert_allclose(np.asarray(got), want)
    x = pydl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    getattr(pydl, name)(x * 3.0, axis=()).sum().backward()
    want_grad = {"sum": 3.0, "mean": 3.0, "max": 3.0, "min": 3.0, "var": 0.0, "std": 0.0}[name]
    np.testing.assert_allclose(np.asarray(x.grad), np.full((2, 2), want_grad))


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [(0, 0), (1, -1)])
def test_duplicate_axes_raise_like_numpy(name, axis):
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        getattr(np, name)(np.ones((2, 3)), axis=axis)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        getattr(pydl, name)(pydl.ones(2, 3), axis=axis)


@pytest.mark.parametrize("name", REDUCTIONS + ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [2, -3, 2**40])
def test_out_of_range_axis_names_axis_and_rank(name, axis):
    with pytest.raises((IndexError, ValueError), match=f"{axis}.*rank 2|{axis} does not fit"):
        getattr(pydl, name)(pydl.ones(2, 3), axis=axis)


@pytest.mark.parametrize("name", REDUCTIONS + ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [1.5, "0", True, (0.5,)], ids=repr)
def test_axis_of_wrong_type_is_a_type_error(name, axis):
    with pytest.raises(TypeError, match="axis"):
        getattr(pydl, name)(pydl.ones(2, 3), axis=axis)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_takes_one_int_axis_like_numpy(name):
    with pytest.raises(TypeError):
        getattr(np, name)(np.ones((2, 3)), axis=(0,))
    with pytest.raises(TypeError, match=r"axis must be an int, got tuple \(0,\)"):
        getattr(pydl, name)(pydl.ones(2, 3), axis=(0,))


def test_std_gradient_is_zero_at_zero_variance():
    x = pydl.ones(3, requires_grad=True)
    pydl.std(x).backward()
    assert np.asarray(x.grad).tolist() == [0.0, 0.0, 0.0]
    # one constant row, one varying row: the varying row keeps the usual gradient (x - mean) / (n * std)
    y = pydl.tensor([[2.0, 2.0], [1.0, 3.0]], requires_grad=True)
    pydl.std(y, axis=1).sum().backward()
    np.testing.assert_allclose(np.asarray(y.grad), [[0.0, 0.0], [-0.5, 0.5]])


# ---- Python ints beyond a tensor's dtype (NEP 50) ---------------------------------------------------------------

DTYPES = ["uint8", "int32", "int64", "bool"]
SCALARS = [-2**70, -2**63 - 1, -2**63, -2**31 - 1, -1, 0, 1, 200, 255, 256, 2**31, 2**53 + 1, 2**62, 2**63, 2**70]
RANGES = {"uint8": (0, 255), "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "bool": (-2**63, 2**63 - 1)}
VALUES = {"uint8": [0, 1, 200, 255], "int32": [-2**31, -1, 0, 2**31 - 1], "int64": [-2**63, -1, 2**53, 2**63 - 1],
          "bool": [False, True]}
COMPARE = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s", SCALARS)
@pytest.mark.parametrize("op", COMPARE, ids=lambda f: f.__name__)
def test_comparisons_with_any_python_int_are_exact(dtype, s, op):
    vals = VALUES[dtype]
    t = pydl.tensor(np.array(vals, dtype=dtype))
    if dtype == "bool" and not -2**63 <= s < 2**63:  # NumPy takes the int as int64 for a bool array: OverflowError
        with pytest.raises(OverflowError, match=str(s)):
            op(t, s)
        return
    assert np.asarray(op(t, s)).tolist() == [op(int(v), s) for v in vals]
    assert np.asarray(op(s, t)).tolist() == [op(s, int(v)) for v in vals]
    fn = {operator.lt: pydl.less, operator.le: pydl.less_equal, operator.gt: pydl.greater,
          operator.ge: pydl.greater_equal, operator.eq: pydl.equal, operator.ne: pydl.not_equal}[op]
    assert np.asarray(fn(s, t)).tolist() == [op(s, int(v)) for v in vals]
    if -2**63 <= s < 2**63 and dtype != "bool":  # NumPy 2 agrees wherever it answers
        assert np.asarray(op(t, s)).tolist() == op(np.array(vals, dtype=dtype), s).tolist()


ARITH = [operator.add, operator.sub, operator.mul, pydl.maximum, pydl.minimum]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s", SCALARS)
@pytest.mark.parametrize("op", ARITH, ids=lambda f: getattr(f, "__name__", str(f)))
def test_arithmetic_with_a_python_int_that_does_not_fit_raises_overflow(dtype, s, op):
    a = np.array(VALUES[dtype][:2], dtype=dtype)
    t = pydl.tensor(a)
    lo, hi = RANGES[dtype]
    if lo <= s <= hi:
        np_op = {pydl.maximum: np.maximum, pydl.minimum: np.minimum}.get(op, op)
        with np.errstate(over="ignore"):
            want = np_op(a, s)
        got = op(t, s)
        assert str(got.dtype) .replace("DType.", "").replace("bool_", "bool") == str(want.dtype)
        assert np.asarray(got).tolist() == want.tolist()
    else:
        with pytest.raises(OverflowError, match=f"Python integer {s} out of bounds for"):
            op(t, s)
        with pytest.raises(OverflowError, match=f"Python integer {s} out of bounds"):
            op(s, t)


@pytest.mark.parametrize("dtype", ["uint8", "int32"])
def test_inplace_and_setitem_with_a_python_int_that_does_not_fit(dtype):
    t = pydl.zeros(3, dtype=dtype)
    s = 256 if dtype == "uint8" else 2**31
    for f in (lambda: t.__iadd__(s), lambda: t.__setitem__(0, s), lambda: t.__setitem__([0, 1], s),
              lambda: pydl.where(pydl.tensor([True, False, True]), t, s)):
        with pytest.raises(OverflowError, match=str(s)):
            f()
    assert np.asarray(t).tolist() == [0, 0, 0]


def test_true_division_by_a_python_int_matches_numpy():
    u = np.arange(5, dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(pydl.tensor(u) / -1), u / -1)
    np.testing.assert_allclose(np.asarray(pydl.tensor(u) / 2**40), u / 2**40, rtol=1e-6)


def test_python_float_with_integer_tensor_promotes_to_float():
    got = pydl.tensor(np.array([1, 2], np.uint8)) + 1.5
    assert got.dtype == pydl.float32 and np.asarray(got).tolist() == [2.5, 3.5]
    with pytest.raises(OverflowError):
        pydl.ones(2) + 2**1100


def test_int64_scalars_are_exact():
    t = pydl.tensor([0, 1])
    assert np.asarray(t + (2**53 + 1)).tolist() == [2**53 + 1, 2**53 + 2]
    assert np.asarray(t == 2**62 + 1).tolist() == [False, False]


def test_tensor_from_python_ints_beyond_int64_raises():
    for data in ([2**63], [1, 2**64], [-2**63 - 1], 2**63):
        with pytest.raises(OverflowError, match="out of bounds"):
            pydl.tensor(data)
    with pytest.raises(OverflowError, match="300"):
        pydl.tensor([1, 300], dtype="uint8")
    assert np.asarray(pydl.tensor([2**63 - 1])).tolist() == [2**63 - 1]
    assert np.asarray(pydl.tensor([1.7, -2.2], dtype="int32")).tolist() == np.array([1.7, -2.2]).astype(np.int32).tolist()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float64", "bool"])
@pytest.mark.parametrize("value", [2**53 + 1, -2**31, 255, 256, -1, 7.9, True])
def test_full_matches_numpy(dtype, value):
    try:
        want = np.full((2,), value, dtype=dtype)
    except OverflowError:
        with pytest.raises(OverflowError, match=str(value)):
            pydl.full((2,), value, dtype=dtype)
        return
    got = pydl.full((2,), value, dtype=dtype)
    assert np.asarray(got).tolist() == want.tolist()
    assert np.asarray(pydl.full_like(got, value)).tolist() == want.tolist()


def test_full_default_dtype_and_bad_values():
    assert np.asarray(pydl.full(1, 2**53 + 1)).tolist() == [2**53 + 1]
    assert pydl.full(1, 2**53 + 1).dtype == pydl.int64
    with pytest.raises(ValueError, match="nan"):
        pydl.full(2, float("nan"), dtype="int32")
    with pytest.raises(TypeError, match="fill_value.*'a'"):
        pydl.full(2, "a")


@pytest.mark.parametrize("args,dtype", [((2**53 + 1, 2**53 + 4), "int64"), ((-5, 5, 3), "int32"), ((10, 0, -3), "int64"),
                                        ((0, 256), "uint8"), ((2**63 - 3, 2**63 - 1), "int64"), ((5, 5), "int32")])
def test_arange_integers_are_exact(args, dtype):
    assert np.asarray(pydl.arange(*args, dtype=dtype)).tolist() == np.arange(*args, dtype=dtype).tolist()


def test_arange_bounds_must_fit_dtype():
    with pytest.raises(OverflowError):
        np.arange(-1, 3, dtype=np.uint8)
    with pytest.raises(OverflowError, match="-1"):
        pydl.arange(-1, 3, dtype="uint8")
    with pytest.raises(OverflowError, match="299"):  # NumPy wraps to 0..43 after 255
        pydl.arange(0, 300, dtype="uint8")
    with pytest.raises(ValueError, match="step"):
        pydl.arange(0, 3, 0)


def test_randint_bounds_must_fit_dtype():
    with pytest.raises(ValueError, match="high is out of bounds for int32"):
        np.random.randint(0, 2**63, (4,), dtype=np.int32)
    with pytest.raises(ValueError, match="high is out of bounds for int32"):
        pydl.randint(0, 2**63, (4,), dtype="int32")
    with pytest.raises(ValueError, match="low is out of bounds for uint8"):
        pydl.randint(-1, 3, (4,), dtype="uint8")
    r = np.asarray(pydl.randint(-2**31, 2**31, (1000,), dtype="int32"))
    assert r.dtype == np.int32 and r.min() < -2**29 and r.max() > 2**29
    assert set(np.asarray(pydl.randint(0, 256, (2000,), dtype="uint8")).tolist()) >= {0, 255}


# ---- advanced indexing -----------------------------------------------------------------------------------------

A = np.arange(24).reshape(2, 3, 4)
KEYS = [
    (True, slice(0, 2)), (0, None, [0, 1]), (False,), (True,), (Ellipsis, True), ([0, 1], True), (None, [0, 1], True),
    ([0], Ellipsis, [0]), (slice(None), [0], Ellipsis, [0]), (0, slice(None), [0, 1, 2, 3]), (slice(None), 0, [0, 1]),
    ([[0], [1]], slice(None), [0, 2]), (np.array([True, False]),), (np.array([[True, False, True], [False] * 3]),),
    (Ellipsis, np.array([True, False, True, True])), ([1, -1], [-3, 2]), (slice(None, None, -1), [2, 0]),
    (np.int64(1), [0]), ([],), (True, True), (0, True), (slice(None), None, [1, 2], None),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_advanced_getitem_matches_numpy(key):
    want = A[key]
    got = pydl.tensor(A)[key]
    assert got.shape == want.shape
    assert np.asarray(got).tolist() == want.tolist()


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_advanced_setitem_matches_numpy(key):
    want = A.copy()
    want[key] = -7
    t = pydl.tensor(A)
    t[key] = -7
    assert np.asarray(t).tolist() == want.tolist()


def test_issue_reproducers_for_index_shapes():
    assert pydl.ones(2, 3)[True, 0:2].shape == np.ones((2, 3))[True, 0:2].shape == (1, 2, 3)
    assert pydl.ones(3, 2, 4)[0, None, [0, 1]].shape == np.ones((3, 2, 4))[0, None, [0, 1]].shape == (2, 1, 4)


def _index_item(shape_dim):
    n = shape_dim
    return st.one_of(
        st.integers(-n, n - 1) if n else st.nothing(),
        st.builds(slice, st.none() | st.integers(-n - 1, n + 1), st.none() | st.integers(-n - 1, n + 1),
                  st.none() | st.sampled_from([1, 2, -1, -2])),
        st.lists(st.integers(-n, n - 1), min_size=0, max_size=3) if n else st.just([]),
        st.lists(st.booleans(), min_size=n, max_size=n).map(np.array),
    )


@st.composite
def _array_and_key(draw):
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
    items = [draw(_index_item(n)) for n in shape[:draw(st.integers(0, len(shape)))]]
    for _ in range(draw(st.integers(0, 2))):  # sprinkle None, Ellipsis and bool scalars anywhere
        extra = draw(st.sampled_from([None, Ellipsis, True, False]))
        if extra is Ellipsis and any(k is Ellipsis for k in items):
            continue
        items.insert(draw(st.integers(0, len(items))), extra)
    return np.arange(int(np.prod(shape))).reshape(shape), tuple(items)


@settings(max_examples=int(__import__("os").environ.get("PYDL_HYPOTHESIS_EXAMPLES", 300)), deadline=None)
@given(_array_and_key())
def test_random_keys_match_numpy(case):
    a, key = case
    try:
        want = a[key]
    except IndexError:
        with pytest.raises(IndexError):
            pydl.tensor(a)[key]
        return
    got = pydl.tensor(a)[key]
    assert got.shape == want.shape, key
    assert np.asarray(got).tolist() == want.tolist(), key
    want_set, t = a.copy(), pydl.tensor(a)
    want_set[key] = -1
    t[key] = -1
    assert np.asarray(t).tolist() == want_set.tolist(), key
