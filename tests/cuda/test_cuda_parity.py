"""CUDA vs CPU parity: every op family runs on the same inputs on both devices and must agree (to rounding for
float math, exactly for moves, integers and the counter-based RNG). Skipped, with the reason, without a GPU;
the CPU-only checks at the top run everywhere."""
import pathlib
import sys

import numpy as np
import pytest

import pydl
import pydl.cuda

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ops"))
from op_table import CORE_OPS, OPS, OPS_BY_NAME  # noqa: E402  (the shared op table and its devices column)

from parity import (CUDA, FLOATS, REASON, SHAPES, TOL, arrays_for, check, check_grads, grads_on,  # noqa: E402,F401
                    mm_tol, needs_cuda, np_of, on_both)


# ---- runs everywhere -----------------------------------------------------------------------------------------

@pytest.mark.skipif(CUDA, reason="a CUDA device is present")
def test_cuda_request_raises_device_error_without_cuda():
    with pytest.raises(pydl.DeviceError, match="cuda"):
        pydl.zeros(2, device="cuda")
    with pytest.raises(pydl.DeviceError):
        pydl.tensor([1.0, 2.0]).to("cuda")
    with pytest.raises(pydl.DeviceError):
        pydl.cuda.get_device_name()
    assert pydl.cuda.is_available() is False
    assert pydl.cuda.device_count() == 0
    pydl.cuda.synchronize()  # a no-op without devices


def test_cuda_module_reports_build():
    assert pydl.cuda.is_compiled() == bool(pydl.build_info()["cuda_compiled"])
    assert pydl.cuda.is_available() == CUDA
    if CUDA:
        assert pydl.cuda.device_count() >= 1
        assert pydl.cuda.get_device_name(0)
        assert pydl.cuda.get_device_capability("cuda:0")[0] >= 5



# ---- elementwise (the ops of the core's table: csrc/core/elementwise_ops.def) ----------------------------------
BINARY = [n for n, op in CORE_OPS.items() if op["kind"] in ("binary", "comparison")]
UNARY = [n for n, op in CORE_OPS.items() if op["kind"] == "unary" and n != "clip"]  # clip: test_parametric_...


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", SHAPES)
def test_binary(rng, name, dtype, shapes):
    if CORE_OPS[name]["kind"] == "comparison":  # small integers: many ties, both outcomes
        a, b = [rng.integers(-2, 3, s).astype(dtype) for s in (shapes if len(shapes) > 1 else shapes * 2)]
    else:
        a, b = arrays_for(rng, shapes, dtype)
    if name == "pow":
        a = np.abs(a) + 0.5
    check(getattr(pydl, name), a, b)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_nan_and_scalars(dtype):
    a = np.array([np.nan, 1.0, -np.inf, 2.0, np.nan, 0.0], dtype)
    b = np.array([1.0, np.nan, 3.0, np.inf, np.nan, -0.0], dtype)
    for name in ("maximum", "minimum", "add", "eq", "ne", "lt", "ge"):
        check(getattr(pydl, name), a, b)
    check(lambda x: x * 2.5 + 1.0, a)
    check(lambda x: 3.0 - x, a)
    check(lambda x: x / 4.0, b)


@needs_cuda
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_binary_int(rng, dtype):
    a = rng.integers(0, 9, (4, 33)).astype(dtype)
    b = rng.integers(0, 4, (33,)).astype(dtype)
    for name in BINARY:
        if CORE_OPS[name]["integer"]:
            check(getattr(pydl, name), a, b)
    check(pydl.div, a, b + 1)  # true division promotes to float


@needs_cuda
def test_int_pow_negative_exponent_raises():
    a = pydl.tensor([2, 3], device="cuda")
    with pytest.raises(ValueError, match="negative"):
        pydl.pow(a, pydl.tensor([1, -1], device="cuda"))


@needs_cuda
def test_bool_ops(rng):
    a, b = rng.random((5, 6)) < 0.5, rng.random((6,)) < 0.5
    for name in ("eq", "ne", "lt", "add"):
        check(getattr(pydl, name), a, b)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_unary(rng, name, dtype):
    x = (OPS_BY_NAME[name].gens[0](rng, (1_000_003,)) * 2).astype(dtype)  # the row's domain, wider
    check(getattr(pydl, name), x)
    check(getattr(pydl, name), x[:60].reshape(6, 10))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", UNARY)
def test_unary_special_values(name, dtype):
    x = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-30, -1e-30, 30.0, -30.0, 100.0], dtype)
    check(getattr(pydl, name), x)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_parametric_activations(rng, dtype):
    x = rng.uniform(-3, 3, (257, 31)).astype(dtype)
    x[0, :3] = [np.nan, 0.0, -0.0]
    check(pydl.leaky_relu, x)
    check(lambda t: pydl.leaky_relu(t, alpha=0.05), x)
    check(pydl.elu, x)
    check(lambda t: pydl.elu(t, alpha=0.5), x)
    check(lambda t: pydl.clip(t, -0.5, 0.5), x)
    check(lambda t: pydl.clip(t, min=-0.5), x)
    check(lambda t: pydl.clip(t, max=0.5), x)


@needs_cuda
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_unary_int(rng, dtype):
    x = rng.integers(0 if dtype == "uint8" else -50, 50, (300,)).astype(dtype)
    for name in UNARY:  # integer-capable rows keep the dtype; the others compute in float32 (exp: see tests/ops)
        check(getattr(pydl, name), x)
    check(lambda t: pydl.clip(t, 3, 20), x)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", [o for o in OPS if "cuda" in o.devices], ids=lambda o: o.name)
def test_op_table_rows(op, dtype):
    """Every row of tests/ops/op_table.py whose devices column names "cuda": the same samples on both devices agree,
    forward and (for differentiable rows) every input's gradient."""
    rng = np.random.default_rng(7)
    fn = op.gfn or op.fn
    for s in op.samples(rng):
        arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in s.arrays]
        scale = op.terms(s)
        tol = dict(rtol=TOL[dtype]["rtol"] * 10, atol=TOL[dtype]["atol"] * 10 * scale)
        check(lambda *ts: fn(*ts, **s.kwargs), *arrays, tol=tol)
    if not op.differentiable:
        return
    for s in op.grad_samples(rng):
        diff = [i for i, a in enumerate(s.arrays) if a.dtype.kind == "f" and i not in op.const_args]

        def grads(device):
            ts = [pydl.tensor(a.astype(dtype) if a.dtype.kind == "f" else a).to(device) for a in s.arrays]
            for i in diff:
                ts[i].requires_grad = True
            fn(*ts, **s.kwargs).sum().backward()
            return [np_of(ts[i].grad) for i in diff]
        for c, g in zip(grads("cpu"), grads("cuda")):
            np.testing.assert_allclose(g, c, rtol=TOL[dtype]["rtol"] * 10, atol=TOL[dtype]["atol"] * 10 * op.terms(s))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_where(rng, dtype):
    c = rng.random((4, 1, 6)) < 0.5
    a = rng.normal(size=(5, 6)).astype(dtype)
    b = rng.normal(size=(6,)).astype(dtype)
    check(pydl.where, c, a, b)
    check(lambda cc, x: pydl.where(cc, x, 0.0), c, a)
    check(pydl.where, rng.random(70001) < 0.5, np.arange(70001, dtype=np.int64), np.zeros(70001, np.int64))


@needs_cuda
def test_non_contiguous_inputs(rng):
    a = rng.normal(size=(64, 48)).astype(np.float32)
    b = rng.normal(size=(48, 64)).astype(np.float32)
    check(lambda x, y: x + y.T, a, b)
    check(lambda x, y: x[::2, 1::3] * y.T[::2, 1::3], a, b)
    check(lambda x: pydl.exp(x[::-1]), a)
    check(lambda x: x.T.contiguous(), a)
    check(lambda x: x[:, 5:9].clone(), a)
    # 11 dims that cannot be merged (the kernels take up to 12 after merging)
    deep = rng.normal(size=(2,) * 10 + (3,)).astype(np.float32)
    check(lambda x: x.permute(*range(10, -1, -1)).contiguous(), deep)


@needs_cuda
@pytest.mark.parametrize("src", ["bool", "uint8", "int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("dst", ["bool", "uint8", "int32", "int64", "float32", "float64"])
def test_astype(rng, src, dst):
    x = rng.uniform(0, 100, (333,))
    x[:4] = [0, 1, 2.5, 99.75]
    x = x.astype(src)
    check(lambda t: t.astype(dst), x)
    check(lambda t: t[::3].astype(dst), x)


@needs_cuda
def test_fill_creation_and_moves():
    for dt in ("bool", "uint8", "int32", "int64", "float32", "float64"):
        for v in (0, 1, 7):
            g = pydl.full((3, 1001), v, dtype=dt, device="cuda")
            np.testing.assert_array_equal(np_of(g), np.full((3, 1001), v, dtype=dt))
    np.testing.assert_array_equal(np_of(pydl.eye(5, 7, device="cuda")), np.eye(5, 7, dtype=np.float32))
    np.testing.assert_array_equal(np_of(pydl.arange(10, device="cuda")), np.arange(10))
    np.testing.assert_allclose(np_of(pydl.linspace(0, 1, 11, device="cuda")), np.linspace(0, 1, 11, dtype=np.float32))
    big = np.random.default_rng(1).normal(size=(3_000_001,))  # crosses the 4 MiB staging chunks
    t = pydl.tensor(big).to("cuda")
    np.testing.assert_array_equal(np_of(t), big)
    np.testing.assert_array_equal(np_of(t.to("cuda").cuda()), big)
    assert pydl.tensor([[1.5]], device="cuda").item() == 1.5
    assert pydl.tensor(np.arange(12).reshape(3, 4)).to("cuda")[1, 2].item() == 6


@needs_cuda
def test_device_mismatch_is_an_error():
    with pytest.raises(pydl.DeviceError, match="different devices"):
        pydl.add(pydl.ones(3), pydl.ones(3, device="cuda"))
    with pytest.raises(pydl.DeviceError):
        pydl.matmul(pydl.ones(2, 2, device="cuda"), pydl.ones(2, 2))


@needs_cuda
def test_in_place_ops():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)

    def f(t):
        t = t.clone()
        t += 1.0
        t *= pydl.tensor([1.0, 2.0, 3.0, 4.0], device=t.device)
        t[1] = 0.0
        t[:, 2] = pydl.tensor([7.0, 8.0, 9.0], device=t.device)
        return t
    check(f, a)


# ---- reductions ----------------------------------------------------------------------------------------------

RED_SHAPES = [(7,), (3, 5), (2, 3, 4), (5, 2000), (3, 20000), (1, 300_001), (4096, 3), (2, 70_000)]
AXES = [None, 0, -1, (0, -1)]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", RED_SHAPES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(rng, name, dtype, shape):
    x = rng.normal(size=shape).astype(dtype)
    n = x.size
    tol = dict(rtol=1e-5 if dtype == "float32" else 1e-12, atol=(1e-6 if dtype == "float32" else 1e-12) * np.sqrt(n))
    for axis in AXES:
        if axis is not None and len(shape) == 1 and axis == (0, -1):
            continue
        for keep in (False, True):
            check(lambda t: getattr(pydl, name)(t, axis=axis, keepdims=keep), x, tol=tol)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS + ["int32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("shape", [(3, 5), (6, 1500), (2, 20000), (9000,)])
def test_arg_reductions_and_int_sums(rng, dtype, shape):
    x = rng.integers(0, 7, shape).astype(dtype)  # many ties: the first index must win
    for axis in (None, 0, -1):
        check(lambda t: pydl.argmax(t, axis=axis), x)
        check(lambda t: pydl.argmin(t, axis=axis), x)
        check(lambda t: pydl.max(t, axis=axis), x)
        check(lambda t: pydl.sum(t, axis=axis), x)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_reductions_nan(rng, dtype):
    x = rng.normal(size=(4, 30000)).astype(dtype)
    x[1, 17] = np.nan
    x[1, 25000] = np.nan
    x[2, 29999] = np.nan
    for fn in (pydl.argmax, pydl.argmin):
        check(lambda t: fn(t, axis=1), x)
    for fn in (pydl.max, pydl.min, pydl.sum):
        check(lambda t: fn(t, axis=1), x, tol=dict(rtol=1e-4, atol=1e-3))


@needs_cuda
def test_reductions_are_deterministic(rng):
    x = pydl.tensor(rng.normal(size=(10_000_019,)).astype(np.float32), device="cuda")
    r = [np_of(pydl.sum(x)) for _ in range(3)]
    assert r[0] == r[1] == r[2]
    m = pydl.tensor(rng.normal(size=(7, 500_000)).astype(np.float32), device="cuda")
    assert np.array_equal(np_of(m.sum(axis=1)), np_of(m.sum(axis=1)))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_var_std(rng, dtype):
    x = rng.normal(size=(6, 300)).astype(dtype)
    check(lambda t: pydl.var(t, axis=1), x, tol=dict(rtol=1e-4, atol=1e-5))
    check(lambda t: pydl.std(t, axis=0, ddof=1), x, tol=dict(rtol=1e-4, atol=1e-5))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(5,), (3, 10), (64, 1000), (9, 1024), (7, 1025), (3, 5000), (2, 3, 40)])
def test_softmax(rng, dtype, shape):
    x = (rng.normal(size=shape) * 5).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else None
    for axis in (-1, 0):
        check(lambda t: pydl.softmax(t, axis=axis), x, tol=tol)
        check(lambda t: pydl.log_softmax(t, axis=axis), x, tol=dict(rtol=1e-5, atol=2e-5) if tol else None)
    edge = np.array([[-np.inf, -np.inf, -np.inf], [0.0, np.nan, 1.0], [1e30, -1e30, 0.0]], dtype)
    check(pydl.softmax, edge)
    check(pydl.log_softmax, edge)


# ---- matmul --------------------------------------------------------------------------------------------------

MM_SHAPES = [((3, 4), (4, 5)), ((1, 1), (1, 1)), ((127, 65), (65, 33)), ((64, 64), (64, 64)), ((4,), (4, 3)),
             ((5, 4), (4,)), ((300, 200), (200, 513)), ((1000, 37), (37, 999)), ((8, 0), (0, 5)),
             ((2, 3, 17, 9), (9, 11)), ((4, 1, 6, 5), (3, 5, 7)), ((130, 1030), (1030, 260))]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", MM_SHAPES)
def test_matmul(rng, dtype, shapes):
    a = rng.normal(size=shapes[0]).astype(dtype)
    b = rng.normal(size=shapes[1]).astype(dtype)
    check(pydl.matmul, a, b, tol=mm_tol(dtype, shapes[0][-1]))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("m,n,k", [(33, 70, 41), (256, 384, 128), (129, 1, 257), (700, 500, 300)])
def test_matmul_transposed_and_strided(rng, dtype, m, n, k):
    a = rng.normal(size=(k, m)).astype(dtype)   # used as a.T: trans_a
    b = rng.normal(size=(n, k)).astype(dtype)   # used as b.T: trans_b
    tol = mm_tol(dtype, k)
    check(lambda x, y: x.T @ y.T, a, b, tol=tol)
    check(lambda x, y: x.T @ y.T.contiguous(), a, b, tol=tol)
    check(lambda x, y: x.T.contiguous() @ y.T, a, b, tol=tol)
    big = rng.normal(size=(m + 3, k + 5)).astype(dtype)   # row stride k + 5 (not a multiple of 4 for odd k)
    check(lambda x, y: x[1:m + 1, 2:k + 2] @ y.T, big, b, tol=tol)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_batched_matmul(rng, dtype):
    a = rng.normal(size=(6, 40, 24)).astype(dtype)
    b = rng.normal(size=(6, 24, 56)).astype(dtype)
    tol = mm_tol(dtype, 24)
    check(pydl.matmul, a, b, tol=tol)
    check(lambda x, y: x @ y[0], a, b, tol=tol)                              # broadcast B over the batch
    check(lambda x, y: x.permute(0, 2, 1).contiguous().permute(0, 2, 1) @ y, a, b, tol=tol)
    check(lambda x, y: pydl.matmul(x.permute(0, 2, 1), x), a, b, tol=tol)    # A^T A per batch


@needs_cuda
def test_matmul_deterministic(rng):
    a = pydl.tensor(rng.normal(size=(512, 300)).astype(np.float32), device="cuda")
    b = pydl.tensor(rng.normal(size=(300, 700)).astype(np.float32), device="cuda")
    assert np.array_equal(np_of(a @ b), np_of(a @ b))


# ---- shape ops and indexing ----------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS + ["int64"])
def test_concatenate_stack_pad_split(rng, dtype):
    a = rng.normal(size=(3, 4, 5)).astype(dtype)
    b = rng.normal(size=(3, 2, 5)).astype(dtype)
    check(lambda x, y: pydl.concatenate([x, y], axis=1), a, b)
    check(lambda x, y: pydl.concatenate([x, y.astype("float64")], axis=1), a, b)
    check(lambda x: pydl.stack([x, x * 2], axis=-1), a)
    check(lambda x: pydl.ops.pad(x, ((1, 0), (0, 2), (3, 3)), value=-1.0), a)
    check(lambda x: pydl.ops.split(x, 2, axis=1)[1] + 0, a)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS + ["int32", "bool"])
def test_take_gather_indexing(rng, dtype):
    x = (rng.normal(size=(6, 7, 9)) * 3).astype(dtype)
    idx = np.array([5, 0, 0, -1, 3])
    check(lambda t: pydl.ops.take(t, idx, axis=1), x)
    check(lambda t: pydl.ops.take(t, idx), x)
    check(lambda t: pydl.ops.take(t, pydl.tensor(idx).to(t.device), axis=0), x)
    check(lambda t: t[[1, 3, 3], :, [0, 8, 2]], x)
    check(lambda t: t[:, 2, [True, False] * 4 + [True]], x)
    check(lambda t: t[1:5:2, ::-1, 3], x)
    g = rng.integers(0, 7, (6, 4, 9))
    check(lambda t: pydl.gather(t, 1, pydl.tensor(g)), x)
    check(lambda t: pydl.gather(t, 1, pydl.tensor(g).to(t.device)), x)
    g0 = rng.integers(0, 6, (2, 7, 9))
    check(lambda t: pydl.gather(t, 0, pydl.tensor(g0).to(t.device)), x)


@needs_cuda
def test_embedding_style_take_rows(rng):
    table = rng.normal(size=(1000, 64)).astype(np.float32)
    ids = rng.integers(0, 1000, (32, 50))
    check(lambda t: pydl.ops.take(t, ids, axis=0), table, exact=True)


# ---- random --------------------------------------------------------------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_random_same_seed_same_numbers(dtype):
    def draw(device):
        pydl.manual_seed(1234)
        return [np_of(pydl.rand(1001, 3, dtype=dtype, device=device)),
                np_of(pydl.randn(70001, dtype=dtype, device=device)),
                np_of(pydl.uniform((5, 5), -3.0, 2.0, dtype=dtype, device=device)),
                np_of(pydl.normal((333,), 1.0, 0.5, dtype=dtype, device=device)),
                np_of(pydl.randint(-5, 17, (1000,), device=device)),
                np_of(pydl.randint(0, 3, (10,), dtype="int32", device=device))]
    for c, g in zip(draw("cpu"), draw("cuda")):
        assert c.dtype == g.dtype and c.shape == g.shape
        if c.dtype.kind == "f":
            # identical transforms; only log/cos of the two math libraries may differ in the last bit
            np.testing.assert_allclose(g, c, rtol=1e-6 if dtype == "float32" else 1e-13, atol=1e-12)
        else:
            np.testing.assert_array_equal(g, c)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_dropout_same_seed_same_mask(dtype):
    x = np.random.default_rng(3).uniform(1, 2, (257, 129)).astype(dtype)

    def run(device):
        pydl.manual_seed(77)
        t = pydl.tensor(x).to(device)
        t.requires_grad = True
        y = pydl.nn_ops.dropout(t, 0.3)
        y.sum().backward()
        return np_of(y.detach()), np_of(t.grad)
    (yc, gc), (yg, gg) = run("cpu"), run("cuda")
    np.testing.assert_array_equal(yg != 0, yc != 0)
    np.testing.assert_allclose(yg, yc, **TOL[dtype])
    np.testing.assert_allclose(gg, gc, **TOL[dtype])
