"""CUDA vs CPU parity of the network ops: convolution, pooling, losses and optimizers (conv_kernels.cu,
pool_kernels.cu, loss_kernels.cu, optim_kernels.cu). Skipped, with the reason, without a GPU."""
import pathlib
import sys

import numpy as np
import pytest

import pydl

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from parity import FLOATS, TOL, check, check_grads, grads_on, mm_tol, needs_cuda, np_of  # noqa: E402

# ---- convolution, pooling, losses, optimizers (conv_kernels.cu, pool_kernels.cu, loss_kernels.cu, optim_kernels.cu)

# (x shape NHWC, w shape HWIO, strides, padding, dilation, bias, activation)
CONV2D_CASES = [
    ((2, 9, 9, 3), (3, 3, 3, 8), 1, "valid", 1, True, None),
    ((2, 9, 9, 3), (3, 3, 3, 8), 1, "same", 1, True, "relu"),
    ((3, 10, 7, 4), (3, 2, 4, 5), (2, 3), "same", 1, False, None),
    ((2, 11, 12, 2), (3, 3, 2, 6), 2, "valid", 1, True, "relu"),
    ((2, 12, 12, 5), (3, 3, 5, 7), 1, "same", 2, True, None),        # dilation
    ((1, 13, 9, 3), (2, 3, 3, 4), 1, "valid", (2, 1), False, "relu"),
    ((4, 6, 6, 16), (1, 1, 16, 12), 1, "valid", 1, True, "relu"),    # 1x1 stride 1: the GEMM on x directly
    ((2, 7, 7, 6), (1, 1, 6, 3), 2, "valid", 1, True, None),         # 1x1 strided: im2col
    ((2, 4, 4, 3), (5, 5, 3, 2), 1, "same", 1, True, None),          # window larger than the input
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, "valid", 1, True, None),
    ((0, 5, 5, 3), (3, 3, 3, 4), 1, "same", 1, True, None),          # empty batch
]


def conv_tol(dtype, w_shape):
    return mm_tol(dtype, int(np.prod(w_shape[:-1])))


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d(rng, dtype, case):
    xs, ws, strides, padding, dilation, bias, act = case
    x = rng.uniform(-1, 1, xs).astype(dtype)
    w = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[-1]).astype(dtype)
    kw = dict(strides=strides, padding=padding, dilation=dilation, activation=act)
    if bias:
        check(lambda x, w, b: pydl.conv2d(x, w, b, **kw), x, w, b, tol=conv_tol(dtype, ws))
        check_grads(lambda x, w, b: pydl.conv2d(x, w, b, **kw), [x, w, b], conv_tol(dtype, ws))
    else:
        check(lambda x, w: pydl.conv2d(x, w, **kw), x, w, tol=conv_tol(dtype, ws))
        check_grads(lambda x, w: pydl.conv2d(x, w, **kw), [x, w], conv_tol(dtype, ws))


@needs_cuda
def test_conv2d_large_batch_chunks(rng):
    # M * K = 128*28*28 * 288 elements: more than one im2col chunk forward and backward-weight, and backward-data
    # in several groups of whole images.
    x = rng.uniform(-1, 1, (128, 28, 28, 32)).astype("float32")
    w = (rng.uniform(-1, 1, (3, 3, 32, 16)) * 0.1).astype("float32")
    b = rng.uniform(-1, 1, 16).astype("float32")
    tol = dict(rtol=1e-4, atol=1e-4)
    check(lambda x, w, b: pydl.conv2d(x, w, b, padding="same", activation="relu"), x, w, b, tol=tol)
    fn = lambda x, w, b: pydl.conv2d(x, w, b, padding="same")
    cpu, gpu = grads_on("cpu", fn, [x, w, b]), grads_on("cuda", fn, [x, w, b])
    np.testing.assert_allclose(gpu[1], cpu[1], **tol)
    scale = np.abs(cpu[2]).max() + np.abs(cpu[3]).max()  # dw, db sum over 100k pixels
    np.testing.assert_allclose(gpu[2], cpu[2], rtol=1e-4, atol=1e-5 * scale)
    np.testing.assert_allclose(gpu[3], cpu[3], rtol=1e-4, atol=1e-5 * scale)


@needs_cuda
def test_conv2d_backward_deterministic(rng):
    x = rng.uniform(-1, 1, (8, 16, 16, 8)).astype("float32")
    w = rng.uniform(-1, 1, (3, 3, 8, 16)).astype("float32")
    b = rng.uniform(-1, 1, 16).astype("float32")
    fn = lambda x, w, b: pydl.conv2d(x, w, b, strides=2, padding="same")
    first, second = grads_on("cuda", fn, [x, w, b]), grads_on("cuda", fn, [x, w, b])
    for a, c in zip(first, second):
        np.testing.assert_array_equal(a, c)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("strides,padding,output_padding", [(1, "valid", None), (2, "same", None),
                                                             (2, "valid", None), (3, "same", 1)])
def test_conv2d_transpose(rng, dtype, strides, padding, output_padding):
    x = rng.uniform(-1, 1, (2, 5, 6, 4)).astype(dtype)
    w = rng.uniform(-1, 1, (3, 3, 7, 4)).astype(dtype)  # (kh, kw, filters, in)
    b = rng.uniform(-1, 1, 7).astype(dtype)
    fn = lambda x, w, b: pydl.conv2d_transpose(x, w, b, strides=strides, padding=padding,
                                               output_padding=output_padding)
    tol = mm_tol(dtype, 3 * 3 * 7)
    check(fn, x, w, b, tol=tol)
    check_grads(fn, [x, w, b], tol)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("strides,padding,dilation", [(1, "valid", 1), (2, "same", 1), (1, "causal", 2),
                                                      (1, "same", 3)])
def test_conv1d(rng, dtype, strides, padding, dilation):
    x = rng.uniform(-1, 1, (3, 20, 5)).astype(dtype)
    w = rng.uniform(-1, 1, (3, 5, 6)).astype(dtype)
    b = rng.uniform(-1, 1, 6).astype(dtype)
    fn = lambda x, w, b: pydl.conv1d(x, w, b, strides=strides, padding=padding, dilation=dilation,
                                     activation="relu")
    tol = mm_tol(dtype, 15)
    check(fn, x, w, b, tol=tol)
    check_grads(fn, [x, w, b], tol)


POOL_CASES = [((2, 8, 8, 3), 2, None, "valid"), ((2, 9, 7, 5), 3, 2, "same"), ((1, 10, 10, 4), (3, 2), 1, "same"),
              ((3, 7, 9, 2), 2, 1, "valid"), ((2, 5, 5, 3), 4, 3, "same"), ((128, 26, 26, 64), 2, None, "valid")]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool2d(rng, dtype, name, case):
    shape, pool, strides, padding = case
    fn = lambda x: getattr(pydl, name)(x, pool_size=pool, strides=strides, padding=padding)
    x = rng.uniform(-1, 1, shape).astype(dtype)
    check(fn, x, exact=name == "max_pool2d")
    check_grads(fn, [x], TOL[dtype])
    if name == "max_pool2d":  # ties: the first maximum of the window wins on both devices
        t = rng.integers(0, 3, shape).astype(dtype)
        check(fn, t, exact=True)
        cpu, gpu = grads_on("cpu", fn, [t]), grads_on("cuda", fn, [t])
        for c, g in zip(cpu, gpu):
            np.testing.assert_allclose(g, c, **TOL[dtype])


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_max_pool_nan_propagates(dtype):
    x = np.arange(32, dtype=dtype).reshape(1, 4, 4, 2)
    x[0, 1, 1, 0] = np.nan
    check(lambda x: pydl.max_pool2d(x, 2), x, exact=True)


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rows,cols", [(1, 1), (7, 10), (64, 1000), (3, 1025), (5, 5000), (300, 3)])
def test_softmax_cross_entropy(rng, dtype, rows, cols):
    z = (rng.normal(size=(rows, cols)) * 3).astype(dtype)
    labels = rng.integers(0, cols, rows)
    dense = rng.uniform(0, 1, (rows, cols)).astype(dtype)  # not normalised: sum(t) != 1 is part of the formula
    sce = pydl.nn_ops.softmax_cross_entropy
    check(lambda z, t: sce(z, t), z, labels)
    check(lambda z, t: sce(z, t), z, dense)
    check_grads(lambda z: sce(z, pydl.tensor(labels).to(z.device)), [z], TOL[dtype])
    check_grads(lambda z: sce(z, pydl.tensor(dense).to(z.device)), [z], TOL[dtype])


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
def test_keras_crossentropy_losses(rng, dtype):
    z = rng.normal(size=(12, 6)).astype(dtype)
    labels = rng.integers(0, 6, 12)
    onehot = np.eye(6, dtype=dtype)[labels]
    check(lambda z, y: pydl.losses.sparse_categorical_crossentropy(y, z, from_logits=True), z, labels)
    check(lambda z, y: pydl.losses.categorical_crossentropy(y, z, from_logits=True), z, onehot)


@needs_cuda
def test_sparse_label_out_of_range_raises():
    z = pydl.zeros((3, 4), device="cuda")
    with pytest.raises(IndexError, match="out of range"):
        pydl.nn_ops.softmax_cross_entropy(z, pydl.tensor([0, 4, 1]).to("cuda"))
    pydl.cuda.synchronize()  # the device is still usable


# Every optimizer class: its own constants (`_prepare`) and rule (`_kind`), with slots made on the parameter's
# device. (The classes' `_slots_for` allocates slots with zeros(...) on the CPU, so a slot-using optimizer cannot
# yet run on a CUDA parameter through apply_gradients; see test_optimizer_classes_on_cuda_parameters.)
OPTIMIZERS = [("SGD", {}), ("SGD", dict(momentum=0.9)), ("SGD", dict(momentum=0.9, nesterov=True)),
              ("Adagrad", {}), ("Adadelta", dict(learning_rate=1.0)), ("RMSprop", {}), ("Adam", {}),
              ("Adam", dict(amsgrad=True)), ("Nadam", {}), ("Adam", dict(clipnorm=0.5)),
              ("RMSprop", dict(clipvalue=0.05)), ("SGD", dict(momentum=0.5, clipnorm=0.1, clipvalue=0.01))]


def optimizer_steps(device, name, kw, p0, grads):
    opt = getattr(pydl.optimizers, name)(**kw)
    p = pydl.tensor(p0).to(device)
    slots = [pydl.tensor(np.zeros_like(p0)).to(device) for _ in opt._active_slots()]
    for g in grads:
        pydl.nn_ops.optim_update(opt._kind, [p], [pydl.tensor(g).to(device)], [slots], **opt._prepare())
        opt._finish_step()
    return [np_of(p)] + [np_of(s) for s in slots]


@needs_cuda
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name,kw", OPTIMIZERS)
def test_optimizer_update(rng, dtype, name, kw):
    p0 = rng.normal(size=(37, 129)).astype(dtype)
    grads = [(rng.normal(size=p0.shape) * 0.1).astype(dtype) for _ in range(3)]
    cpu, gpu = optimizer_steps("cpu", name, kw, p0, grads), optimizer_steps("cuda", name, kw, p0, grads)
    for c, g in zip(cpu, gpu):
        np.testing.assert_allclose(g, c, **TOL[dtype])


@needs_cuda
@pytest.mark.parametrize("name", ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Nadam"])
def test_optimizer_classes_on_cuda_parameters(rng, name):
    kw = dict(momentum=0.9) if name == "SGD" else {}
    p0 = rng.normal(size=(5, 7)).astype("float32")
    g0 = (rng.normal(size=(5, 7)) * 0.1).astype("float32")
    out = {}
    for device in ("cpu", "cuda"):
        opt = getattr(pydl.optimizers, name)(**kw)
        p = pydl.tensor(p0).to(device)
        try:
            opt.apply_gradients([(pydl.tensor(g0).to(device), p)])
        except pydl.DeviceError as e:  # slots are allocated on the CPU by Optimizer._slots_for
            pytest.xfail(f"optimizer slots are not created on the parameter's device: {e}")
        out[device] = np_of(p)
    np.testing.assert_allclose(out["cuda"], out["cpu"], **TOL["float32"])
