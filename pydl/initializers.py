"""Weight initializers with Keras's names, defaults and fan rules (Dense kernels glorot_uniform, biases zeros).

Without a seed they draw from pydl's generator, so `pydl.manual_seed(s)` makes model construction reproducible;
with `seed=` they use their own NumPy stream and do not disturb pydl's.
"""
import math

import numpy as np

import sys

from . import tensor as _tensor_fn  # noqa: F401  (makes sure the module below is loaded)
from .utils.registry import Configurable, define as _define, deserialize as _deserialize, register, resolve as _resolve, \
    serialize as _serialize

_t = sys.modules[__package__ + ".tensor"]  # the module; `pydl.tensor` the attribute is the function


def _dtype(dtype):
    return "float32" if dtype is None else str(dtype)


def _fans(shape):
    """(fan_in, fan_out) as Keras computes them: Dense (in, out); convolution kernels (..., in, out)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        field = int(np.prod(shape[:-2]))
        return shape[-2] * field, shape[-1] * field
    n = math.sqrt(float(np.prod(shape))) if shape else 1.0
    return n, n


class Initializer(Configurable):
    """Base class: `init(shape, dtype=None)` returns a new pydl tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _uniform(self, shape, low, high, dtype):
        if self.seed is None:
            return _t.uniform(tuple(shape), low, high, dtype=dtype)
        rng = np.random.default_rng(self.seed)
        return _t.tensor(rng.uniform(low, high, size=tuple(shape)), dtype=dtype)

    def _normal(self, shape, mean, std, dtype, truncated=False):
        shape = tuple(shape)
        rng = None if self.seed is None else np.random.default_rng(self.seed)

        def draw(n):
            if rng is None:
                return np.array(_t.randn(n, dtype="float64"))
            return rng.standard_normal(n)
        z = draw(int(np.prod(shape)) if shape else 1)
        if truncated:  # redraw values beyond two standard deviations, as tf.truncated_normal does
            bad = np.abs(z) > 2.0
            while bad.any():
                z[bad] = draw(int(bad.sum()))
                bad = np.abs(z) > 2.0
        return _t.tensor((mean + std * z).reshape(shape), dtype=dtype)

    def get_config(self):
        return {"seed": self.seed}


@register("initializer")
class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return _t.zeros(tuple(shape), dtype=_dtype(dtype))


@register("initializer")
class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return _t.ones(tuple(shape), dtype=_dtype(dtype))


@register("initializer")
class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        if np.ndim(self.value):
            return _t.tensor(np.broadcast_to(np.asarray(self.value), tuple(shape)), dtype=_dtype(dtype))
        return _t.full(tuple(shape), float(self.value), dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value if np.ndim(self.value) == 0 else np.asarray(self.value).tolist()}


@register("initializer")
class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@register("initializer")
class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, self.minval, self.maxval, _dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


@register("initializer")
class TruncatedNormal(_Seeded):
    """Normal samples redrawn until within two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, _dtype(dtype), truncated=True)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@register("initializer")
class VarianceScaling(_Seeded):
    """Samples with variance scale / n, n = fan_in, fan_out or their mean (Keras 2's rule)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale!r}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError("VarianceScaling: distribution must be normal, truncated_normal, untruncated_normal or "
                             f"uniform, got {distribution!r}")
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return self._uniform(shape, -limit, limit, _dtype(dtype))
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), _dtype(dtype))
        # stddev of a standard normal truncated at +-2, so the samples keep the requested variance
        return self._normal(shape, 0.0, math.sqrt(scale) / 0.87962566103423978, _dtype(dtype), truncated=True)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


@register("initializer")
class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix, Haar-distributed, times gain: Q of the QR decomposition of a normal sample, its
    columns' signs fixed by R's diagonal (without that, Q is not uniform over the orthogonal group). QR rather than
    an SVD: several times cheaper (an LSTM(256) recurrent kernel is 256 x 1024)."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(int(s) for s in shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of rank >= 2, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = np.asarray(self._normal((rows, cols), 0.0, 1.0, "float64"))
        wide = rows < cols  # orthonormal rows then: QR of the transpose
        q, r = np.linalg.qr(a.T if wide else a)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if wide:
            q = q.T
        return _t.tensor(self.gain * q.reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


@register("initializer")
class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-D shape, got {tuple(shape)}")
        return _t.tensor(self.gain * np.eye(*shape), dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


def _scaling(name, scale, mode, distribution):
    def make(seed=None):
        return VarianceScaling(scale, mode, distribution, seed)
    make.__name__ = name
    return make


glorot_normal = _scaling("glorot_normal", 1.0, "fan_avg", "normal")
glorot_uniform = _scaling("glorot_uniform", 1.0, "fan_avg", "uniform")
he_normal = _scaling("he_normal", 2.0, "fan_in", "normal")
he_uniform = _scaling("he_uniform", 2.0, "fan_in", "uniform")
lecun_normal = _scaling("lecun_normal", 1.0, "fan_in", "normal")
lecun_uniform = _scaling("lecun_uniform", 1.0, "fan_in", "uniform")

# Class-style spellings (keras.initializers.GlorotUniform in Keras 2.3+)
GlorotNormal, GlorotUniform, HeNormal, HeUniform = glorot_normal, glorot_uniform, he_normal, he_uniform
LecunNormal, LecunUniform = lecun_normal, lecun_uniform

_ALIASES = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform, "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling, "orthogonal": Orthogonal,
    "identity": Identity, "glorot_normal": glorot_normal, "glorot_uniform": glorot_uniform, "he_normal": he_normal,
    "he_uniform": he_uniform, "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
}


_define("initializer", "initializer", _ALIASES, accepts_none=True, instances=Initializer, make=True, classes=True,
        key=lambda name: name if name in _ALIASES else _snake(name), dicts=lambda spec: deserialize(spec),
        type_error="cannot interpret {!r} as an initializer")


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a class, an instance, a config dict or a callable."""
    return _resolve("initializer", identifier)


def _snake(name):
    import re
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def serialize(init):
    if isinstance(init, Initializer):
        return _serialize(init)
    raise ValueError(f"cannot serialize initializer {init!r}; use a pydl.initializers class")


def deserialize(config, custom_objects=None):
    return _deserialize("initializer", config, custom_objects)


__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "Orthogonal", "Identity", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal",
           "LecunUniform", "get", "serialize", "deserialize"]
