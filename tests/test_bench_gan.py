"""`pydl bench --models`' "book GAN" row: the networks are the book's, PyTorch's copies compute the same function
from the same weights, and one timed call runs (one step pair per library) with losses that agree."""
import numpy as np
import pytest

import pydl
from pydl.bench.suites import gan

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def weights():
    return gan.initial_weights(np.random.default_rng(3))


def test_book_networks_and_torch_copies_agree(weights):
    g, d, _ = gan.keras_style(pydl, *weights)
    assert d.count_params() == 4_311_553 and g.count_params() == 183_713
    tg, td = gan.torch_models(torch, *weights)
    assert sum(p.numel() for p in tg.parameters()) == 177_329
    assert sum(p.numel() for p in td.parameters()) == 4_311_553
    tg.eval(), td.eval()
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (4, gan.LATENT)).astype(np.float32)
    with torch.no_grad():
        images = tg(torch.from_numpy(z)).numpy().transpose(0, 2, 3, 1)
        logits = td(torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))).numpy()
    np.testing.assert_allclose(g.predict(z), images, atol=2e-5)
    np.testing.assert_allclose(d.predict(images), 1 / (1 + np.exp(-logits)), atol=2e-5)


def test_one_timed_call_per_library(weights):
    rng = np.random.default_rng(1)
    real = rng.random((8, 28, 28, 1), dtype=np.float32)   # the row's batch is 128; 8 keeps the test fast
    noise = [rng.uniform(-1, 1, (8, gan.LATENT)).astype(np.float32) for _ in range(4)]
    ours = gan._keras_fn(pydl, weights, real, noise)().numpy()
    theirs = gan._torch_fn(torch, weights, real, noise)().numpy()
    assert 0.3 < ours[0] < 1.5 and abs(ours[0] - theirs[0]) <= 0.05 * abs(theirs[0])
    assert list(gan.cases(True, torch)) == []   # --quick leaves the row out (a step takes about a second)
