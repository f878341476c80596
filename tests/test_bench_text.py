"""`pydl bench --models`'s chapter 11 rows: the PyTorch twin of each net computes what pydl's does from the same
weights (so the rows time the same work), and the quick suite produces the rows."""
import numpy as np
import pytest

from pydl.bench.suites import SUITES, text_models


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "conv"])
def test_torch_twin_predicts_like_pydl(name):
    torch = pytest.importorskip("torch")
    kind = text_models.NETS[name][2]
    x, _ = text_models.data(3, 50, 6, np.random.default_rng(1))
    model = text_models.pydl_model(50, 6, kind, units=8)  # the book's layers, small
    want = np.asarray(model.predict(x, verbose=0)).ravel()
    net = text_models._torch_net(torch, kind, units=8)(50)
    with torch.no_grad():
        for t, w in zip(net.state_dict().values(), text_models._torch_weights(kind, model.get_weights())):
            t.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
    net.eval()
    got = torch.sigmoid(net(torch.from_numpy(x.astype(np.int64)))).detach().numpy()
    # the GRUs differ in where the reset gate applies (Keras 2 before the recurrent product, torch after)
    tol = 1e-3 if kind == "gru" else 1e-5
    assert np.abs(got - want).max() <= tol and np.ptp(want) > 0, (got, want)


def test_quick_suite_yields_text_rows():
    from pydl.bench.suites import DEFAULT
    assert "text" not in DEFAULT  # opt-in: `pydl bench --ops text`, or with every model (`--models`)
    rows = list(SUITES["text"](True, None))
    assert [c.op for c in rows] == [f"{n} (ch11)" for n in text_models.NETS]
    assert all(set(c.fns) == {"pydl"} and c.unit == "k samples/s" for c in rows)  # no torch passed: pydl alone
