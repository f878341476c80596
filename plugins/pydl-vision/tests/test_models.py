"""Architectures: parameter counts (the book's and Keras's figures, ResNet by an independent formula), forward passes
on small inputs, Keras layer names, and gradient through the residual shortcut."""
import numpy as np
import pytest

import pydl
from pydl import layers
from pydl.autograd import gradcheck
from pydl.models import Model

from pydl_vision import models


@pytest.mark.parametrize("name, kwargs, expected", [
    ("lenet5", {}, 1_199_882),
    ("alexnet", {}, 21_883_153),
    ("vggnet", {}, 33_672_785),
    ("vgg16", {}, 138_357_544),
    ("vgg16", {"include_top": False}, 14_714_688),
    ("vgg19", {}, 143_667_240),
    ("vgg19", {"include_top": False}, 20_024_384),
    ("resnet50", {}, 25_636_712),
    ("resnet50", {"include_top": False}, 23_587_712),
])
def test_param_counts_match_book_and_keras(built, name, kwargs, expected):
    assert built(name, **kwargs).count_params() == expected


@pytest.fixture(scope="module")
def built():
    """Builds each big model once for this module (VGG16's 138 M weights take a second to initialize) and frees
    them after it (about 2 GB for VGG16 + VGG19 + ResNet-50)."""
    cache = {}

    def get(name, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = getattr(models, name)(**kwargs)
        return cache[key]
    yield get
    cache.clear()


def _conv(k, cin, cout):  # kernel + bias, then BatchNormalization's gamma, beta, moving mean and variance
    return k * k * cin * cout + cout + 4 * cout


def resnet_formula(kind, stages, include_top, classes=1000):
    total, cin = _conv(7, 3, 64), 64
    for s, n in enumerate(stages):
        f = 64 * 2 ** s
        cout = f if kind == "basic" else 4 * f
        for i in range(n):
            if cin != cout or (i == 0 and s > 0):
                total += _conv(1, cin, cout)  # projection shortcut
            if kind == "basic":
                total += _conv(3, cin, f) + _conv(3, f, f)
            else:
                total += _conv(1, cin, f) + _conv(3, f, f) + _conv(1, f, cout)
            cin = cout
    return total + (cin * classes + classes if include_top else 0)


@pytest.mark.parametrize("depth, kind, stages, with_top", [
    (18, "basic", (2, 2, 2, 2), 11_703_912), (34, "basic", (3, 4, 6, 3), 21_823_208),
    (50, "bottleneck", (3, 4, 6, 3), 25_636_712)])
def test_resnet_counts_follow_the_formula(built, depth, kind, stages, with_top):
    assert resnet_formula(kind, stages, True) == with_top
    fn = getattr(models, f"resnet{depth}")
    assert (built("resnet50") if depth == 50 else fn()).count_params() == with_top
    assert fn(include_top=False).count_params() == resnet_formula(kind, stages, False)
    # the published torchvision count (no conv biases, BN without moving statistics) is ours minus
    # one bias and two moving statistics per convolution output channel
    if depth == 18:
        conv_channels = 64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512
        assert with_top - 3 * conv_channels == 11_689_512


def test_keras_layer_names(built):
    names = [l.name for l in built("vgg16").layers]
    assert names[1:4] == ["block1_conv1", "block1_conv2", "block1_pool"] and names[-3:] == ["fc1", "fc2", "predictions"]
    r50 = {l.name for l in models.resnet50(include_top=False, input_shape=(32, 32, 3)).layers}
    assert {"conv1_conv", "conv1_bn", "conv2_block1_0_conv", "conv2_block3_3_bn", "conv5_block3_add"} <= r50
    r18 = {l.name for l in models.resnet18(include_top=False, input_shape=(32, 32, 3)).layers}
    assert "conv2_block1_0_conv" not in r18 and "conv3_block1_0_conv" in r18  # projection only where shapes change
    bn = models.resnet50(include_top=False, input_shape=(32, 32, 3)).get_layer("conv1_bn")
    assert bn.epsilon == pytest.approx(1.001e-5)


def test_resnet18_forward_small_input():
    m = models.resnet18(input_shape=(32, 32, 3), classes=10)
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
    y = m.predict(x, verbose=0)
    assert y.shape == (2, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(y[0], y[1])


def test_vgg16_headless_pooling():
    x = np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32)
    fmap = models.vgg16(include_top=False, input_shape=(32, 32, 3))
    assert fmap.predict(x, verbose=0).shape == (2, 1, 1, 512)
    open_size = models.vgg16(include_top=False)        # (None, None, 3): any image size
    open_size.set_weights(fmap.get_weights())
    assert open_size.predict(np.tile(x, (1, 2, 2, 1)), verbose=0).shape == (2, 2, 2, 512)
    mx = models.vgg16(include_top=False, pooling="max")
    mx.set_weights(open_size.get_weights())
    np.testing.assert_allclose(mx.predict(np.tile(x, (1, 2, 2, 1)), verbose=0),
                               open_size.predict(np.tile(x, (1, 2, 2, 1)), verbose=0).max(axis=(1, 2)), rtol=1e-6)
    assert models.vgg19(include_top=False, pooling="avg", input_shape=(32, 32, 3)).output_shape == (None, 512)
    with pytest.raises(ValueError, match="pooling"):
        models.vgg16(include_top=False, pooling="sum")


def test_input_tensor_and_small_book_variants():
    inp = layers.Input(shape=(32, 32, 3))
    m = models.vgg16(include_top=False, input_tensor=inp)
    assert m.inputs[0] is inp
    x = np.zeros((1, 64, 64, 3), np.float32)
    assert models.alexnet((64, 64, 3), classes=5, dense_units=16, width=0.25, padding="same").predict(
        x, verbose=0).shape == (1, 5)
    assert models.vggnet((32, 32, 3), classes=5, dense_units=16, width=0.25, padding="same").predict(
        x[:, :32, :32], verbose=0).shape == (1, 5)


def _tiny_block(cin, filters, stride):
    inp = layers.Input(shape=(4, 4, cin), dtype="float64")
    out = models.basic_block(inp, filters, stride, name="t", dtype="float64")
    return Model(inp, out)


@pytest.mark.parametrize("cin, filters, stride", [(2, 2, 1), (2, 3, 2)])  # identity and projection shortcut
def test_residual_block_gradcheck(cin, filters, stride):
    pydl.utils.set_random_seed(0)  # the kernels' initial values: independent of the tests that ran before
    m = _tiny_block(cin, filters, stride)
    rng = np.random.default_rng(2)
    for layer in m.layers:          # non-trivial BN statistics so every term of the block matters
        if isinstance(layer, layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if i in (0, 3) else rng.normal(0, 0.3, w.shape)
                               for i, w in enumerate(layer.get_weights())])
    x = pydl.tensor(rng.standard_normal((2, 4, 4, cin)), dtype="float64", requires_grad=True)
    assert gradcheck(lambda t: m(t), [x])
    x.grad = None
    m(x).sum().backward()       # and the gradient it checked is not trivially zero
    g = np.asarray(x.grad)
    assert np.count_nonzero(g) > g.size // 4


def test_gradient_flows_through_the_add_shortcut():
    # Silence the residual branch (last BN: gamma = beta = 0): out = relu(x + 0), so d sum(out) / dx = [x > 0],
    # which only the identity shortcut can carry.
    m = _tiny_block(2, 2, 1)
    bn = m.get_layer("t_2_bn")
    bn.set_weights([np.zeros_like(w) if i < 2 else w for i, w in enumerate(bn.get_weights())])
    xn = np.random.default_rng(3).standard_normal((2, 4, 4, 2))
    x = pydl.tensor(xn, dtype="float64", requires_grad=True)
    out = m(x)
    np.testing.assert_allclose(np.asarray(out), np.maximum(xn, 0), atol=1e-12)
    out.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), (xn > 0).astype(np.float64))
    # the branch is cut (gamma = 0): its first convolution gets no gradient, so all of x.grad came by the shortcut
    kernel_grad = m.get_layer("t_1_conv").kernel.grad
    assert kernel_grad is None or not np.asarray(kernel_grad).any()


def test_register_adds_every_architecture():
    added = {}

    class Recorder:
        def add_model(self, name, fn, help=""):
            added[name] = (fn, help)
    models.register(Recorder())
    assert sorted(added) == sorted(["lenet5", "alexnet", "vggnet", "vgg16", "vgg19", "resnet18", "resnet34",
                                    "resnet50"])
    assert added["resnet50"][0] is models.resnet50 and all(h for _, h in added.values())
