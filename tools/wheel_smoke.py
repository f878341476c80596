"""Smoke test of an installed pydl wheel (run by tools/build_wheels.sh in a fresh virtualenv, outside the source
tree): the SIMD level PYDL_SIMD asks for is the one in use, a matmul and a convolution match NumPy, and a small model
learns. Prints one line; exits non-zero on any mismatch."""
import os
import sys

import numpy as np

import pydl


def main():
    info = pydl.build_info()
    want = os.environ.get("PYDL_SIMD") or info["simd"]
    if want not in info["simd_supported"]:
        print(f"skip: this CPU lacks {want} (supported: {', '.join(info['simd_supported'])})")
        return 0
    assert info["simd"] == want, f"PYDL_SIMD={want} but pydl uses {info['simd']}"
    if os.environ.get("PYDL_SMOKE_ANYWHERE") != "1":  # the wheel, not a source tree
        assert os.path.dirname(pydl.__file__).endswith(os.path.join("site-packages", "pydl")), pydl.__file__
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((67, 129), dtype=np.float32), rng.standard_normal((129, 35), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(pydl.tensor(a) @ pydl.tensor(b)), a @ b, rtol=1e-4, atol=1e-4)
    x = rng.standard_normal((2, 9, 9, 3), dtype=np.float32)
    w = rng.standard_normal((3, 3, 3, 4), dtype=np.float32)
    got = np.asarray(pydl.conv2d(pydl.tensor(x), pydl.tensor(w)))
    ref = np.zeros((2, 7, 7, 4), np.float32)
    for i in range(7):
        for j in range(7):
            ref[:, i, j] = np.tensordot(x[:, i:i + 3, j:j + 3], w, axes=([1, 2, 3], [0, 1, 2]))
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    from pydl.layers import Dense
    from pydl.models import Sequential
    pydl.utils.set_random_seed(0)
    xs = rng.standard_normal((256, 8), dtype=np.float32)
    ys = (xs[:, :1] - 2 * xs[:, 1:2] > 0).astype(np.float32)
    m = Sequential([Dense(16, activation="relu", input_shape=(8,)), Dense(1, activation="sigmoid")])
    m.compile(pydl.optimizers.Adam(learning_rate=0.02), "binary_crossentropy", metrics=["accuracy"])
    h = m.fit(xs, ys, epochs=20, batch_size=32, verbose=0)
    acc = h.history["accuracy"][-1]
    assert acc > 0.9, h.history
    print(f"ok: pydl {pydl.__version__} on Python {sys.version.split()[0]}, simd {info['simd']}, "
          f"matmul and conv2d match NumPy, a small MLP reaches accuracy {acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
