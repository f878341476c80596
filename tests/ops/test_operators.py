"""Operator / method spellings of the ops, Python scalars, dtype promotion, pydl.ops."""
import operator

import numpy as np
import pytest

import pydl
from op_table import OPS

A = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
B = np.array([1.5, -0.5, 0.75])


def assert_matches(got, want, rtol=1e-12):
    if want.dtype == bool:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.eq, operator.ne, operator.lt, operator.le,
                                operator.gt, operator.ge], ids=lambda f: f.__name__)
def test_binary_operators_match_numpy(op):
    got, want = op(pydl.tensor(A), pydl.tensor(B)), op(A, B)
    assert got.numpy().dtype == want.dtype
    assert_matches(got.numpy(), want)


def test_pow_neg_abs_matmul_operators():
    a, b = pydl.tensor(np.abs(A)), pydl.tensor(B)
    np.testing.assert_allclose((a ** b).numpy(), np.abs(A) ** B, rtol=1e-12)
    np.testing.assert_array_equal((-pydl.tensor(A)).numpy(), -A)
    np.testing.assert_array_equal(abs(pydl.tensor(A)).numpy(), np.abs(A))
    np.testing.assert_allclose((pydl.tensor(A) @ b).numpy(), A @ B, rtol=1e-12)


@pytest.mark.parametrize("expr", [
    lambda t: t + 2, lambda t: 2 + t, lambda t: t - 2, lambda t: 2 - t, lambda t: t * 3,
    lambda t: 3 * t, lambda t: t / 4, lambda t: 4 / t, lambda t: t ** 2, lambda t: 2 ** t,
    lambda t: t + 0.5, lambda t: t > 0.5, lambda t: 0.5 < t, lambda t: t == 2.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_python_scalars_either_side_keep_dtype(expr, dtype):
    a = np.array([[0.5, 2.0, 3.0], [-1.0, 1.5, 2.5]], dtype=dtype)
    want = expr(a)
    got = expr(pydl.tensor(a))
    assert got.numpy().dtype == want.dtype       # scalars take the tensor's dtype
    assert_matches(got.numpy(), want, rtol=1e-6)


def test_int_tensor_with_python_int_stays_int64():
    t = pydl.tensor([1, 2, 3]) * 2 + 1
    assert t.dtype == pydl.int64
    assert t.tolist() == [3, 5, 7]


@pytest.mark.parametrize("a,b,want", [
    ("float32", "float64", "float64"), ("int32", "int64", "int64"),
    ("uint8", "int32", "int32"), ("bool", "uint8", "uint8"), ("int64", "float32", "float32")])
def test_dtype_promotion_order(a, b, want):
    x = pydl.tensor(np.array([1, 0, 1], dtype=a))
    y = pydl.tensor(np.array([1, 1, 0], dtype=b))
    for r in (pydl.add(x, y), pydl.add(y, x)):
        assert str(r.dtype) == want
        np.testing.assert_array_equal(r.numpy(), [2, 1, 1])


def test_int_true_division_gives_float32():
    r = pydl.tensor([1, 2, 3]) / pydl.tensor([2, 2, 2])
    assert r.dtype == pydl.float32
    np.testing.assert_allclose(r.numpy(), [0.5, 1.0, 1.5])


def test_inplace_operators_write_through_to_storage():
    a = np.array([1.0, 2.0, 3.0])
    t = pydl.from_numpy(a)
    ident = id(t)
    t += 1
    t *= 2
    t -= 1
    t /= 2
    assert id(t) == ident
    np.testing.assert_allclose(a, [1.5, 2.5, 3.5])     # the shared buffer changed


def test_tensor_methods_match_functions():
    x = np.abs(A) + 0.1
    t = pydl.tensor(x)
    np.testing.assert_allclose(t.sum(axis=0).numpy(), x.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(t.mean(axis=1, keepdims=True).numpy(), x.mean(1, keepdims=True))
    np.testing.assert_allclose(t.var().numpy(), x.var(), rtol=1e-12)
    np.testing.assert_allclose(t.std(axis=0).numpy(), x.std(axis=0), rtol=1e-12)
    assert t.argmax().item() == x.argmax()
    assert t.argmin(axis=1).tolist() == x.argmin(axis=1).tolist()
    np.testing.assert_allclose(t.max(axis=1).numpy(), x.max(1))
    np.testing.assert_allclose(t.min().numpy(), x.min())
    np.testing.assert_allclose(t.exp().numpy(), np.exp(x), rtol=1e-12)
    np.testing.assert_allclose(t.log().numpy(), np.log(x), rtol=1e-12)
    np.testing.assert_allclose(t.sqrt().numpy(), np.sqrt(x), rtol=1e-12)
    np.testing.assert_allclose((-t).relu().numpy(), np.zeros_like(x))
    np.testing.assert_allclose(t.sigmoid().numpy(), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(t.tanh().numpy(), np.tanh(x), rtol=1e-12)
    np.testing.assert_allclose(t.matmul(pydl.tensor(B)).numpy(), x @ B, rtol=1e-12)
    np.testing.assert_allclose(t.clip(0.5, 1.0).numpy(), np.clip(x, 0.5, 1.0))
    np.testing.assert_allclose(t.pow(2).numpy(), x ** 2, rtol=1e-12)


NN_OPS = {"dropout", "softmax_cross_entropy", "optim_update"}  # pydl.nn_ops (the layers' fused kernels)


@pytest.mark.parametrize("name", sorted({o.name for o in OPS}))
def test_op_is_exposed_in_pydl_ops(name):
    module = pydl.nn_ops if name in NN_OPS else pydl.ops
    assert callable(getattr(module, name))
    if module is pydl.ops:
        assert callable(getattr(pydl, name))
