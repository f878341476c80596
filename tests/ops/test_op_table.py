"""Runs every row of op_table: forward vs NumPy float64, non-contiguous inputs,
float64 gradcheck (grads reduced to the input shapes) and bad inputs."""
from contextlib import contextmanager

import numpy as np
import pytest

import pydl
from op_table import CORE_OPS, OPS, OPS_BY_NAME

DTYPES = ["float32", "float64"]
PYDL_DTYPES = {"float32": pydl.float32, "float64": pydl.float64, "int64": pydl.int64,
               "bool": pydl.bool_}


def cast(arrays, dtype):
    """Float inputs -> the dtype under test; bool/int inputs stay as they are."""
    return [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]


def reference(op, arrays, kwargs):
    return op.ref(*[a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays], **kwargs)


@contextmanager
def about(sample):
    """Turn any failure into an AssertionError that names the sample."""
    try:
        yield
    except Exception as e:
        shapes = [a.shape for a in sample.arrays]
        raise AssertionError(f"shapes={shapes} kwargs={sample.kwargs}: "
                             f"{type(e).__name__}: {e}") from e


def check_output(op, got, ref, dtype, sample, assert_close):
    if isinstance(ref, (list, tuple)):              # split returns a list
        assert isinstance(got, (list, tuple)) and len(got) == len(ref)
        for g, r in zip(got, ref):
            check_output(op, g, r, dtype, sample, assert_close)
        return
    assert isinstance(got, pydl.Tensor), type(got)
    ref = np.asarray(ref)
    out = op.out_dtype or dtype
    assert got.dtype == PYDL_DTYPES[out], f"dtype {got.dtype}, expected {out}"
    assert tuple(got.shape) == ref.shape
    arr = np.asarray(got.numpy())
    assert arr.dtype == np.dtype(out)
    if out in ("bool", "int64"):
        np.testing.assert_array_equal(arr, ref)
    else:
        assert_close(got, ref, dtype, scale=op.terms(sample))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_forward(op, dtype, rng, assert_close):
    for s in op.samples(rng):
        arrays = cast(s.arrays, dtype)
        with about(s):
            got = op.fn(*[pydl.tensor(a) for a in arrays], **s.kwargs)
            check_output(op, got, reference(op, arrays, s.kwargs), dtype, s, assert_close)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_noncontiguous_inputs(op, dtype, rng, assert_close, noncontig):
    if not op.noncontig:
        pytest.skip(f"{op.name} writes in place into a contiguous target")
    for s in op.samples(rng):
        if all(a.size <= 1 for a in s.arrays):
            continue
        arrays = cast(s.arrays, dtype)
        ref = reference(op, arrays, s.kwargs)
        for how in ("step", "T", "flip"):
            with about(s):
                got = op.fn(*[noncontig(a, how) for a in arrays], **s.kwargs)
                check_output(op, got, ref, dtype, s, assert_close)


@pytest.mark.parametrize("op", [o for o in OPS if o.differentiable], ids=lambda o: o.name)
def test_gradcheck_fp64(op, rng):
    fn = op.gfn or op.fn
    samples = op.grad_samples(rng)
    assert samples, "row has no gradcheck samples"
    for s in samples:
        diff = [i for i, a in enumerate(s.arrays) if a.dtype == np.float64 and i not in op.const_args]

        def leaves():
            return [pydl.tensor(s.arrays[i], requires_grad=True) for i in diff]

        def f(*xs):
            args = [pydl.tensor(a) for a in s.arrays]   # constants (cond, indices)
            for i, x in zip(diff, xs):
                args[i] = x
            return fn(*args, **s.kwargs)

        with about(s):
            assert pydl.autograd.gradcheck(f, tuple(leaves())) is True
            xs = leaves()
            out = f(*xs)
            assert out.requires_grad
            out.sum().backward()
            for i, x in zip(diff, xs):               # broadcast grads reduce to input shape
                assert x.grad is not None
                assert tuple(x.grad.shape) == s.arrays[i].shape
                assert x.grad.dtype == pydl.float64


BAD = [(op, b) for op in OPS for b in op.bad]


@pytest.mark.parametrize("op,bad", BAD, ids=[f"{o.name}-{i}" for i, (o, _) in enumerate(BAD)])
def test_bad_inputs(op, bad):
    with pytest.raises(bad.exc) as info:
        op.fn(*[pydl.tensor(a) for a in bad.arrays], **bad.kwargs)
    for needle in bad.needles:
        assert needle in str(info.value), f"{needle!r} not in {str(info.value)!r}"


def test_broadcast_grad_values():
    a = pydl.tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)    # (3, 1)
    b = pydl.tensor(np.array([[1.0, 2.0, 3.0, 4.0]]), requires_grad=True)   # (1, 4)
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 10.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full((1, 4), 6.0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_stable_for_large_inputs(name, dtype, axis, assert_close):
    from op_table import OPS_BY_NAME
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0], [0.0, 1e4, -1e4]])
    if axis == 0:
        x = x.T.copy()
    got = getattr(pydl, name)(pydl.tensor(x.astype(dtype)), axis=axis)
    assert np.all(np.isfinite(got.numpy())), got.numpy()
    assert_close(got, OPS_BY_NAME[name].ref(x, axis=axis), dtype)


def test_every_core_op_has_a_test_row():
    """Adding an op to csrc/core/elementwise_ops.def needs its row in op_table.py (forward, gradients, devices)."""
    missing = sorted(set(CORE_OPS) - set(OPS_BY_NAME))
    assert not missing, f"ops of the core table without a row in tests/ops/op_table.py: {missing}"
    for name, op in CORE_OPS.items():
        assert getattr(pydl, name) is getattr(pydl.ops, name)
        if op["alias"]:
            assert getattr(pydl.ops, op["alias"]) is getattr(pydl.ops, name)
        for keras_name in [n for n in (name, op["alias"]) if n and op["activation"]]:
            assert callable(pydl.activations.get(keras_name)), keras_name  # Dense(activation=keras_name)


INT_UNARY = [n for n, op in CORE_OPS.items() if op["kind"] == "unary" and n != "clip"]  # clip: test_numpy_dtype_rules.py


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
@pytest.mark.parametrize("name", INT_UNARY)
def test_unary_ops_on_integer_tensors(name, dtype, rng):
    """The integer contract, one rule for every row: an op the table marks integer-capable keeps the dtype (wrapping
    like NumPy); any other computes in float32, pydl's default float (NumPy's np.exp(int) would give float64)."""
    x = rng.choice([-3, -1, 1, 2, 5], (4, 7)).astype(np.int64)  # no 0: reciprocal; no negatives: log, sqrt, uint8
    if name in ("log", "sqrt") or dtype == "uint8":
        x = np.abs(x)
    x = x.astype(dtype)
    got = getattr(pydl, name)(pydl.tensor(x))
    ref = OPS_BY_NAME[name].ref(x.astype(np.float64))
    if CORE_OPS[name]["integer"]:
        assert got.dtype == getattr(pydl, dtype), got.dtype
        np.testing.assert_array_equal(got.numpy(), np.asarray(OPS_BY_NAME[name].ref(x)).astype(dtype))
    else:
        assert got.dtype == pydl.float32, got.dtype
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-6, atol=1e-6)


def test_integer_exp_is_float32():
    out = pydl.exp(pydl.tensor([0, 1, 2]))
    assert out.dtype == pydl.float32
    np.testing.assert_allclose(out.numpy(), np.exp([0.0, 1.0, 2.0]), rtol=1e-6)
