"""The recurrent op (pydl.ops.rnn / lstm / gru / simple_rnn) against a NumPy float64 step loop written here."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pydl
from pydl.autograd import gradcheck

from rnn_reference import G, make, reference  # tests/ is on the path through its conftest.py


def run(cell, a, **kw):
    t = lambda v: None if v is None else pydl.tensor(v)  # noqa: E731
    state = None
    if "h0" in a:
        state = [t(a["h0"])] + ([t(a["c0"])] if cell == "lstm" else [])
    y = pydl.ops.rnn(t(a["x"]), t(a["w"]), t(a["r"]), t(a.get("b")), cell=cell, recurrent_bias=t(a.get("rb")),
                     initial_state=state, mask=t(a.get("mask")), recurrent_mask=t(a.get("rmask")), **kw)
    return np.asarray(y)


CELLS = list(G)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", [(3, 5, 4, 6), (1, 1, 2, 3), (2, 7, 3, 5)])
def test_forward_matches_numpy(cell, shape):
    B, T, F, U = shape
    a = make(cell, B, T, F, U)
    ref = reference(cell, a["x"], a["w"], a["r"], a["b"], a.get("rb"))
    np.testing.assert_allclose(run(cell, a), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_close_to_float64(cell):
    a = make(cell, 4, 9, 5, 37)
    ref = reference(cell, a["x"], a["w"], a["r"], a["b"], a.get("rb"))
    got = run(cell, {k: None if v is None else v.astype(np.float32) for k, v in a.items()})
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_state_mask_dropout_backwards_activations(cell):
    rng = np.random.default_rng(3)
    a = make(cell, 3, 6, 4, 5)
    a["h0"] = rng.standard_normal((3, 5))
    a["c0"] = rng.standard_normal((3, 5))
    a["mask"] = np.array([[1, 1, 0, 1, 0, 1], [0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]], bool)
    a["rmask"] = (rng.random((3, 5)) > 0.3) / 0.7
    for act, ract in [("tanh", "sigmoid"), ("relu", "hard_sigmoid"), ("linear", "sigmoid")]:
        for gb in (False, True):
            ref = reference(cell, a["x"], a["w"], a["r"], a["b"], a.get("rb"), a["h0"], a["c0"], a["mask"],
                            a["rmask"], act, ract, gb)
            got = run(cell, a, activation=act, recurrent_activation=ract, go_backwards=gb)
            np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-12, err_msg=f"{act} {ract} {gb}")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck_all_inputs(cell, masked):
    rng = np.random.default_rng(1)
    a = make(cell, 2, 4, 3, 3)
    names = ["x", "w", "r", "b"] + (["rb"] if cell == "gru_reset_after" else [])
    ts = {k: pydl.tensor(a[k], requires_grad=True) for k in names}
    ts["h0"] = pydl.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    ts["c0"] = pydl.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    mask = pydl.tensor(np.array([[1, 0, 1, 1], [0, 1, 1, 0]], np.float64)) if masked else None
    rmask = pydl.tensor((rng.random((2, 3)) > 0.4) / 0.6) if masked else None
    lstm = cell == "lstm"

    def fn(x, w, r, b, h0, c0, rb=None):
        return pydl.ops.rnn(x, w, r, b, cell=cell, recurrent_bias=rb, initial_state=[h0, c0] if lstm else [h0],
                            mask=mask, recurrent_mask=rmask, go_backwards=masked)
    inputs = [ts[k] for k in ["x", "w", "r", "b", "h0", "c0"]] + ([ts["rb"]] if "rb" in ts else [])
    if not lstm:
        inputs[5].requires_grad = False
    assert gradcheck(fn, inputs, atol=1e-7, rtol=1e-5)


def test_gradient_of_final_state_only_and_noncontiguous():
    rng = np.random.default_rng(2)
    xb = rng.standard_normal((6, 3, 4))           # (T, B, F): a transposed view is the input
    w = rng.standard_normal((4, 8)).T.copy().T    # Fortran-ordered kernel
    r = rng.standard_normal((2, 8)) * 0.5
    x = pydl.tensor(xb, requires_grad=True)
    xt = pydl.ops.transpose(x, (1, 0, 2))
    seq, (h, c) = pydl.ops.lstm(xt, pydl.tensor(w), pydl.tensor(r))
    ref = reference("lstm", xb.transpose(1, 0, 2), w, r)
    np.testing.assert_allclose(np.asarray(seq), ref[..., :2], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(c), ref[:, -1, 2:], rtol=1e-12)
    assert gradcheck(lambda x: pydl.ops.lstm(pydl.ops.transpose(x, (1, 0, 2)), pydl.tensor(w),
                                             pydl.tensor(r))[1][1], [x])


SCRIPT = """
import numpy as np, pydl, sys
pydl.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)
out = []
for cell, g in [("lstm", 4), ("gru", 3), ("gru_reset_after", 3), ("simple_rnn", 1)]:
    x = pydl.tensor(rng.standard_normal((64, 7, 16)).astype(np.float32), requires_grad=True)
    w = pydl.tensor((rng.standard_normal((16, g * 70)) * 0.2).astype(np.float32), requires_grad=True)
    r = pydl.tensor((rng.standard_normal((70, g * 70)) * 0.2).astype(np.float32), requires_grad=True)
    y = pydl.ops.rnn(x, w, r, cell=cell)
    (y * y).sum().backward()
    out += [np.asarray(y).ravel(), np.asarray(x.grad).ravel(), np.asarray(w.grad).ravel(), np.asarray(r.grad).ravel()]
np.save(sys.argv[2], np.concatenate(out))
"""


def test_bit_identical_across_threads_and_simd(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(pydl.__file__))))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(pydl.__file__))))
    results = {}
    for simd in ["generic", "avx2", "avx512"]:
        for threads in (1, 2):
            p = tmp_path / f"{simd}{threads}.npy"
            r = subprocess.run([sys.executable, "-c", SCRIPT, str(threads), str(p)], cwd=root, timeout=120,
                               env=dict(env, PYDL_SIMD=simd), capture_output=True, text=True)
            assert r.returncode == 0, r.stderr[-2000:]
            results[simd, threads] = np.load(p)
    for simd in ["generic", "avx2", "avx512"]:  # threads never change a bit
        np.testing.assert_array_equal(results[simd, 1], results[simd, 2])
    for simd in ["avx2", "avx512"]:  # SIMD levels differ only by rounding (GEMM blocking, FMA)
        np.testing.assert_allclose(results[simd, 1], results["generic", 1], rtol=2e-3, atol=2e-4)


def test_bad_inputs_raise_clear_errors():
    x = pydl.ones((2, 3, 4))
    w, r = pydl.ones((4, 16)), pydl.ones((4, 16))
    with pytest.raises(ValueError, match=r"lstm: kernel of shape \(4, 12\) does not match \(4, 16\)"):
        pydl.ops.rnn(x, pydl.ones((4, 12)), r)
    with pytest.raises(ValueError, match=r"expected an input of shape \(batch, timesteps, features\), got shape \(3, 4\)"):
        pydl.ops.rnn(pydl.ones((3, 4)), w, r)
    with pytest.raises(ValueError, match="at least one time step"):
        pydl.ops.rnn(pydl.ones((2, 0, 4)), w, r)
    with pytest.raises(TypeError, match="float64 but the input is float32"):
        pydl.ops.rnn(x, pydl.ones((4, 16), dtype="float64"), r)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) does not match"):
        pydl.ops.rnn(x, w, r, mask=pydl.ones((2, 4)))
    with pytest.raises(ValueError, match=r"initial hidden state of shape \(3, 4\)"):
        pydl.ops.rnn(x, w, r, initial_state=[pydl.ones((3, 4)), pydl.ones((2, 4))])
    with pytest.raises(ValueError, match="unsupported activation 'softmax'"):
        pydl.ops.rnn(x, w, r, activation="softmax")
    with pytest.raises(ValueError, match="only used by GRU with reset_after"):
        pydl.ops.rnn(x, w, r, recurrent_bias=pydl.ones((16,)))
    with pytest.raises(ValueError, match="unknown cell"):
        pydl.ops.rnn(x, w, r, cell="conv")


def test_torch_agrees_when_importable():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    B, T, F, U = 2, 5, 3, 4
    m = torch.nn.LSTM(F, U, batch_first=True).double()
    x = rng.standard_normal((B, T, F))
    want = m(torch.tensor(x))[0].detach().numpy()
    # torch: W_ih (4U, F) gates i, f, g, o like Keras; two biases.
    w = m.weight_ih_l0.detach().numpy().T
    r = m.weight_hh_l0.detach().numpy().T
    b = (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy()
    seq, _ = pydl.ops.lstm(pydl.tensor(x), pydl.tensor(w), pydl.tensor(r), pydl.tensor(b))
    np.testing.assert_allclose(np.asarray(seq), want, rtol=1e-10, atol=1e-12)
