"""TF32 tensor cores, the user's opt-in (pydl.cuda.set_tf32): off by default; when on, fp32 CUDA matmuls and
convolutions run on the tensor-core kernel, whose results differ from fp32 by TF32 rounding (about 1e-3 relative)
and not more. The switch itself is checked everywhere; the kernel only on a GPU of compute capability 8.0+."""
import numpy as np
import pytest

import pydl
import pydl.cuda

CUDA = bool(pydl.build_info()["cuda_available"])
needs_ampere = pytest.mark.skipif(not CUDA or pydl.cuda.get_device_capability()[0] < 8,
                                  reason="needs a CUDA device of compute capability 8.0 or newer")


@pytest.fixture
def tf32():
    previous = pydl.cuda.set_tf32(True)
    yield
    pydl.cuda.set_tf32(previous)


def test_tf32_is_off_by_default_and_the_switch_returns_the_previous_setting():
    assert pydl.cuda.tf32_enabled() is False
    assert pydl.cuda.set_tf32(True) is False
    assert pydl.cuda.tf32_enabled() is True
    assert pydl.cuda.set_tf32(False) is True
    assert pydl.cuda.tf32_enabled() is False


def rel_err(got, ref):
    return float(np.abs(np.asarray(got, np.float64) - ref).max() / np.abs(ref).max())


# (m, k, n, transpose a, transpose b, batch, pad). Rows of 4-float multiples (pad making the leading dimension one)
# take the cp.async kernel, the others the register-staged one. Sizes cross the 128 x 128 tile and the 16-deep K
# stages; pad > 0 slices a wider matrix, so 16-byte chunks cross the matrix edge (zero-filled); a long K goes
# through split-K (9000 and 5000 leave K over for the last part).
SHAPES = [(1, 1, 1, False, False, 1, 0), (257, 130, 300, False, False, 1, 0), (70, 33, 129, True, False, 1, 0),
          (129, 65, 31, False, True, 1, 0), (64, 47, 200, True, True, 1, 0), (37, 19, 45, False, False, 3, 0),
          (256, 128, 192, False, False, 1, 0), (200, 36, 132, True, False, 1, 0), (130, 96, 260, False, True, 1, 0),
          (96, 40, 68, True, True, 2, 0), (130, 34, 50, False, False, 1, 2), (129, 33, 50, True, True, 1, 3),
          (66, 17, 129, False, True, 2, 1), (45, 9, 33, True, False, 1, 7), (128, 9216, 128, False, False, 1, 0),
          (128, 9000, 128, False, False, 1, 0), (100, 5000, 60, True, True, 1, 0)]


def operand(rng, batch, rows, cols, pad, transpose):
    """A (batch, rows, cols) float32 operand on the GPU stored as given, its float64 copy for the reference."""
    stored = (rows, cols) if not transpose else (cols, rows)
    full = rng.standard_normal((batch, stored[0], stored[1] + pad)).astype(np.float32)
    t = pydl.tensor(full).to("cuda")[:, :, :stored[1]]
    ref = full[:, :, :stored[1]].astype(np.float64)
    return (t.transpose(1, 2), np.swapaxes(ref, 1, 2)) if transpose else (t, ref)


@needs_ampere
@pytest.mark.parametrize("m,k,n,ta,tb,batch,pad", SHAPES)
def test_tf32_matmul_is_within_tf32_rounding_of_fp64(tf32, m, k, n, ta, tb, batch, pad):
    rng = np.random.default_rng(m * 7 + k)
    at, a64 = operand(rng, batch, m, k, pad, ta)
    bt, b64 = operand(rng, batch, k, n, pad, tb)
    ref = a64 @ b64
    got = (at @ bt).cpu()
    # TF32 keeps 10 mantissa bits (unit roundoff 2^-11 ~ 4.9e-4 per input); sums of k random products grow like
    # sqrt(k) while their size does too, so the relative error stays a few units of that.
    assert rel_err(got, ref) < 4e-3
    if k >= 16:  # really on the tensor cores: plain fp32 would be ~1e-6 off
        assert rel_err(got, ref) > 2e-5


@needs_ampere
def test_tf32_off_gives_fp32_accuracy_again():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((200, 300)).astype(np.float32)
    b = rng.standard_normal((300, 150)).astype(np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    previous = pydl.cuda.set_tf32(True)
    try:
        on = (pydl.tensor(a).to("cuda") @ pydl.tensor(b).to("cuda")).cpu()
        pydl.cuda.set_tf32(False)
        off = (pydl.tensor(a).to("cuda") @ pydl.tensor(b).to("cuda")).cpu()
    finally:
        pydl.cuda.set_tf32(previous)
    assert rel_err(off, ref) < 1e-5 < rel_err(on, ref)


@needs_ampere
def test_tf32_convolution_and_its_gradients_match_the_cpu_to_tf32_rounding(tf32):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 12, 12, 8)).astype(np.float32)
    w = (rng.standard_normal((3, 3, 8, 16)) * 0.2).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        xt = pydl.tensor(x, device=device, requires_grad=True)
        wt = pydl.tensor(w, device=device, requires_grad=True)
        y = pydl.conv2d(xt, wt)
        (y * y).sum().backward()
        results.append([np.asarray(t.cpu(), np.float64) for t in (y, xt.grad, wt.grad)])
    for cpu, gpu in zip(*results):  # K = 3 * 3 * 8 = 72 and more: TF32 rounding shows, but stays small
        assert 2e-5 < rel_err(gpu, cpu) < 4e-3
