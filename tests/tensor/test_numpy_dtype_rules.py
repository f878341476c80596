"""NumPy 2 (NEP 50) dtype rules on the cases the fuzz campaign of issue 17 found wrong: Python ints beyond 2**53,
bool arithmetic, in-place casting (same_kind), clip's result dtype, var/std with ddof >= n, axis 0/-1 of a 0-d
tensor. NumPy computes the expectation in the test wherever pydl follows it exactly."""
import operator
import warnings

import numpy as np
import pytest

import pydl


def _dt(t):
    return str(t.dtype).replace("DType.", "").replace("bool_", "bool")


def _same(got, want):
    assert _dt(got) == str(np.asarray(want).dtype)
    assert np.asarray(got).shape == np.shape(want)
    assert np.asarray(got).tolist() == np.asarray(want).tolist()


# ---- int-precision: Python ints above 2**53 that fit int64 stay exact -------------------------------------------

BIG = [2**53 + 1, 2**62 + 1, 2**63 - 1, -2**63, -(2**53 + 1)]


@pytest.mark.parametrize("s", BIG)
@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, pydl.maximum, pydl.minimum],
                         ids=lambda f: getattr(f, "__name__", str(f)))
def test_int64_tensor_with_a_big_python_int_is_exact(op, s):
    a = np.array([-3, 0, 1, 2**53, 2**62], np.int64)
    np_op = {pydl.maximum: np.maximum, pydl.minimum: np.minimum}.get(op, op)
    with np.errstate(over="ignore"):
        _same(op(pydl.tensor(a), s), np_op(a, s))
        _same(op(s, pydl.tensor(a)), np_op(s, a))


def test_issue_reproducers_for_big_python_ints():
    x = pydl.tensor(np.array([3, 5, 2**62], np.int64))
    assert np.asarray(x * (2**53 + 1)).tolist()[:2] == [3 * (2**53 + 1), 5 * (2**53 + 1)]
    assert np.asarray(2**63 - 1 <= x).tolist() == [False, False, False]
    assert np.asarray(x >= 2**62 + 1).tolist() == [False, False, False]
    q = np.asarray((2**63 - 1) / x)                       # true division: float (float32 in pydl), positive
    assert (q > 0).all() and q.dtype == np.float32
    b = pydl.tensor(np.array([True, False]))
    _same(b + (2**53 + 1), np.array([True, False]) + (2**53 + 1))
    _same(pydl.where(pydl.tensor([True, False]), x[:2], 2**53 + 1), np.array([3, 2**53 + 1]))
    _same(pydl.clip(x, None, 2**62 - 1), np.array([3, 5, 2**62 - 1]))   # not 2**62 via double
    _same(pydl.clip(x, 2**53 + 1, None), np.array([2**53 + 1, 2**53 + 1, 2**62]))


# ---- bool (op) bool: NumPy keeps bool (logical or / and) and refuses - ------------------------------------------

A = np.array([True, True, False, False])
B = np.array([True, False, True, False])


@pytest.mark.parametrize("op", [operator.add, operator.mul, pydl.maximum, pydl.minimum],
                         ids=lambda f: getattr(f, "__name__", str(f)))
def test_bool_arithmetic_stays_bool(op):
    np_op = {pydl.maximum: np.maximum, pydl.minimum: np.minimum}.get(op, op)
    _same(op(pydl.tensor(A), pydl.tensor(B)), np_op(A, B))
    _same(op(pydl.tensor(A), True), np_op(A, True))
    _same(op(False, pydl.tensor(B)), np_op(False, B))
    _same(op(pydl.tensor(A), 2), np_op(A, 2))             # a Python int makes it int64 (NEP 50)


def test_bool_reproducers_from_the_fuzz_campaign():
    _same(True * pydl.tensor(np.array(True)), True * np.array(True))
    _same(pydl.tensor(np.array(False)) + False, np.array(False) + False)
    _same(pydl.maximum(True, pydl.tensor(np.array(True))), np.maximum(True, np.array(True)))
    _same(pydl.minimum(pydl.tensor(np.array(False)), False), np.minimum(np.array(False), False))
    _same(pydl.tensor(A) ** pydl.tensor(B), (A ** B).astype(np.int64))   # NumPy: int8; pydl counts in int64
    _same(pydl.tensor(A) - 1, A - 1)                      # bool - Python int is int64 arithmetic


@pytest.mark.parametrize("f", [lambda a, b: a - b, lambda a, b: False - b, lambda a, b: a - True,
                               lambda a, b: a.__isub__(b), lambda a, b: a.__isub__(False)])
def test_bool_subtract_raises_type_error_like_numpy(f):
    with pytest.raises(TypeError, match="boolean subtract"):
        f(A.copy(), B)
    a = pydl.tensor(A)
    with pytest.raises(TypeError, match="boolean subtract.*pydl.ne"):
        f(a, pydl.tensor(B))
    assert np.asarray(a).tolist() == A.tolist()
    with pytest.raises(TypeError, match="boolean subtract"):
        pydl.sub(pydl.tensor(A), pydl.tensor(B))


# ---- in-place ops follow NumPy's same_kind casting ----------------------------------------------------------------

INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv}
OPERANDS = [True, 3, -1, 2.5, 256, -2**62, np.array([True]), np.array([2], np.uint8), np.array([2], np.int32),
            np.array([2], np.int64), np.array([0.5], np.float64), np.array([0.5], np.float32)]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float32"])
@pytest.mark.parametrize("op", list(INPLACE))
@pytest.mark.parametrize("other", OPERANDS, ids=repr)
def test_inplace_casting_matches_numpy(dtype, op, other):
    base = np.array([1, 0, 1], dtype=dtype)
    want, err = base.copy(), None
    try:
        with np.errstate(all="ignore"):
            INPLACE[op](want, other)
    except (TypeError, OverflowError) as e:               # UFuncTypeError is a TypeError
        err = e
    t = pydl.tensor(base)
    operand = pydl.tensor(other) if isinstance(other, np.ndarray) else other
    if err is None:
        INPLACE[op](t, operand)
        assert _dt(t) == dtype
        np.testing.assert_allclose(np.asarray(t), want, rtol=1e-6)
        return
    kind = OverflowError if isinstance(err, OverflowError) else TypeError
    text = "out of bounds" if kind is OverflowError else \
        "boolean subtract" if "boolean subtract" in str(err) else "Cannot cast ufunc '.*' output from dtype"
    with pytest.raises(kind, match=text):
        INPLACE[op](t, operand)
    assert np.asarray(t).tolist() == base.tolist()        # nothing written


def test_inplace_reproducers_from_the_fuzz_campaign():
    b = pydl.tensor(np.array(False))
    with pytest.raises(TypeError, match=r"Cannot cast ufunc 'add' output from dtype\('int64'\) to dtype\('bool'\) "
                                        r"with casting rule 'same_kind'"):
        b += 3
    with pytest.raises(TypeError, match=r"ufunc 'multiply' output from dtype\('int64'\) to dtype\('bool'\)"):
        b *= -9223372036854775807
    u = pydl.tensor(np.array([1, 2], np.uint8))
    with pytest.raises(TypeError, match=r"ufunc 'multiply' output from dtype\('int64'\) to dtype\('uint8'\)"):
        u *= pydl.tensor(np.array([2, 3], np.int64))
    for s in (256, 2, 2**70):                              # the casting error comes before the Python int's range
        with pytest.raises(TypeError, match=r"ufunc 'divide' output from dtype\('float32'\) to dtype\('uint8'\)"):
            u /= s
    with pytest.raises(OverflowError, match="Python integer 256 out of bounds for uint8"):
        u += 256
    i = pydl.tensor(np.array([1, 2], np.int32))
    i += pydl.tensor(np.array([2**40 + 1, 1], np.int64))   # same kind: int64 into int32 wraps like NumPy
    assert np.asarray(i).tolist() == [2, 3]
    ro = pydl.tensor(np.array([1], np.uint8)).broadcast_to((3,))
    with pytest.raises(ValueError, match="broadcast view"):   # the read-only target is named first, as in NumPy
        ro += 256


# ---- clip: NumPy's minimum(maximum(x, min), max), with pydl's promotion of an int tensor and a Python float ------

@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("lo,hi", [(None, 1), (0, None), (-3, 2), (False, True), (-1.5, None), (None, 0.5), (0, 1.5),
                                   (-300, None), (None, 300), (-2**70, None), (None, 2**70)], ids=repr)
def test_clip_dtype_matches_numpy(dtype, lo, hi):
    a = np.array([0, 1, 1, 0], dtype=dtype) if dtype == "bool" else np.array([0, 1, 3, 200], dtype=dtype)
    try:
        want = np.clip(a, lo, hi)
    except OverflowError:
        with pytest.raises(OverflowError):
            pydl.clip(pydl.tensor(a), lo, hi)
        return
    got = pydl.clip(pydl.tensor(a), lo, hi)
    if want.dtype.kind == "f":     # pydl: an int tensor with a Python float gives float32 (NumPy: float64)
        assert got.dtype == pydl.float32
        np.testing.assert_allclose(np.asarray(got), want)
    else:
        _same(got, want)


def test_clip_reproducers():
    _same(pydl.clip(pydl.tensor(np.array(True)), None, 1), np.clip(np.array(True), None, 1))   # int64 1
    got = pydl.clip(pydl.tensor([1, 2, 3]), 0, 1.5)
    assert got.dtype == pydl.float32 and np.asarray(got).tolist() == [1.0, 1.5, 1.5]
    with pytest.raises(OverflowError, match="Python integer 300 out of bounds for uint8"):
        pydl.clip(pydl.tensor(np.array([1], np.uint8)), 300, None)
    f = pydl.tensor([0.25, 3.0], requires_grad=True)      # float tensors keep the differentiable unary clip
    pydl.clip(f, 0, 1).sum().backward()
    assert np.asarray(f.grad).tolist() == [1.0, 0.0]


# ---- var/std with no degrees of freedom left -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("data", [[-0.464, 3.335], [1.0, 1.0], [5.0], [[1.0, 2.0], [3.0, 3.0]]], ids=repr)
@pytest.mark.parametrize("ddof", [1, 2, 3, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_var_std_with_large_ddof_match_numpy(name, data, ddof, dtype):
    a = np.array(data, dtype=dtype)
    axis = -1
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)    # NumPy: "Degrees of freedom <= 0"
        want = getattr(np, name)(a.astype(np.float64), axis=axis, ddof=ddof)
    got = np.asarray(getattr(pydl, name)(pydl.tensor(a), axis=axis, ddof=ddof), dtype=np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-6)      # inf where n - ddof <= 0 < sum of squares, else NaN


# ---- axis 0 / -1 of a 0-d tensor -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sum", "max", "min", "argmax", "argmin", "mean", "var", "std"])
@pytest.mark.parametrize("axis", [0, -1, (0,), 1, -2])
@pytest.mark.parametrize("keepdims", [False, True])
def test_zero_d_reductions_take_axis_0_like_numpy(name, axis, keepdims):
    a = np.array(4, np.int32)
    try:
        want = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    except (ValueError, IndexError, TypeError) as e:     # AxisError; argmax's TypeError for a tuple
        with pytest.raises(type(e) if isinstance(e, TypeError) else (ValueError, IndexError)):
            getattr(pydl, name)(pydl.tensor(a), axis=axis, keepdims=keepdims)
        return
    got = getattr(pydl, name)(pydl.tensor(a), axis=axis, keepdims=keepdims)
    assert got.shape == () == np.shape(want)
    assert np.asarray(got).item() == want.item()
    if name in ("sum", "max", "min"):                      # the Tensor method agrees
        assert getattr(pydl.tensor(a), name)(axis=axis).item() == want.item()


@pytest.mark.parametrize("axis", [0, -1, (0,), 1, None])
def test_zero_d_squeeze_like_numpy(axis):
    a = np.array(7.5)
    try:
        want = np.squeeze(a, axis)
    except ValueError:
        with pytest.raises((ValueError, IndexError)):
            pydl.squeeze(pydl.tensor(a), axis)
        return
    assert pydl.squeeze(pydl.tensor(a), axis).shape == want.shape == ()
    assert pydl.tensor(a).squeeze(axis).item() == 7.5


def test_zero_d_sum_gradient_with_axis_0():
    x = pydl.tensor(2.0, requires_grad=True)
    pydl.sum(x * 3.0, axis=0).backward()
    assert x.grad.item() == 3.0


# ---- a bool tensor takes a Python int as int64: one outside int64 is an OverflowError -----------------------------

@pytest.mark.parametrize("s", [2**63, -2**63 - 1, 2**64, -2**64])
@pytest.mark.parametrize("op", [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge])
def test_bool_tensor_compared_with_an_int_beyond_int64_overflows(op, s):
    with pytest.raises(OverflowError):
        op(np.array([True, False]), s)
    t = pydl.tensor(np.array([True, False]))
    with pytest.raises(OverflowError, match=str(s)):
        op(t, s)
    with pytest.raises(OverflowError, match=str(s)):
        op(s, t)
    # integer tensors keep comparing exactly (NumPy 2 does too)
    assert np.asarray(op(pydl.tensor(np.array([1], np.uint8)), s)).tolist() == [op(1, s)]


def test_inplace_computes_in_the_result_dtype_then_casts():
    # float32 /= float64: NumPy divides in float64 and rounds once (5e-324 is 0 in float32: 0 / 0 would be NaN)
    a = np.array([0.0, -0.0, 3.0], np.float32)
    b = np.array([5e-324, 5e-324, 1e30])
    t = pydl.tensor(a)
    t /= pydl.tensor(b)
    a /= b
    assert np.asarray(t).tolist() == a.tolist() and str(np.asarray(t).dtype) == "float32"
