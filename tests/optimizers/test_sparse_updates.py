"""Lazy embedding updates (pydl.optimizers.sparse): where a rule leaves zero-gradient rows unchanged (SGD without
momentum, Adagrad), updating only the looked-up rows gives the dense update's result bit for bit; every other rule
stays dense."""
import numpy as np
import pytest

import pydl
from pydl.optimizers import sparse

V, D = 2048, 32  # 65,536 elements: the smallest table the lazy path takes


def _train(opt, lazy, monkeypatch, regularizer=None, steps=3):
    if not lazy:
        monkeypatch.setattr(sparse, "note_rows", lambda *a: None)
    pydl.manual_seed(0)
    model = pydl.models.Sequential([pydl.layers.Embedding(V, D, input_length=6, embeddings_regularizer=regularizer),
                                    pydl.layers.Flatten(), pydl.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=opt)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 200, (16 * steps, 6))  # 200 of 2,048 rows at most: under the 1/8 threshold
    y = rng.integers(0, 2, len(x)).astype(np.float32)
    before = sparse.lazy_updates
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    monkeypatch.undo()
    return model.get_weights() + opt.get_weights()[1:], sparse.lazy_updates - before


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("make", [lambda: pydl.optimizers.SGD(0.5), lambda: pydl.optimizers.Adagrad(0.5),
                                  lambda: pydl.optimizers.SGD(0.5, clipvalue=0.01)])
def test_lazy_rules_equal_the_dense_update(make, monkeypatch):
    lazy, n_lazy = _train(make(), True, monkeypatch)
    dense, n_dense = _train(make(), False, monkeypatch)
    assert n_lazy == 3 and n_dense == 0
    assert _same(lazy, dense)
    rows = np.abs(lazy[0] - _train(make(), False, monkeypatch, steps=0)[0][0]).sum(axis=1) > 0
    assert 0 < rows.sum() <= 200  # only looked-up rows moved


@pytest.mark.parametrize("make", [lambda: pydl.optimizers.SGD(0.5, momentum=0.9), lambda: pydl.optimizers.Adam(),
                                  lambda: pydl.optimizers.RMSprop(), lambda: pydl.optimizers.SGD(0.5, clipnorm=1.0),
                                  lambda: pydl.optimizers.SGD(0.5, global_clipnorm=1e-3),
                                  lambda: pydl.optimizers.SGD(0.5, global_clipnorm=1e6)])
def test_other_rules_stay_dense(make, monkeypatch):
    noted, n = _train(make(), True, monkeypatch)
    assert n == 0
    assert _same(noted, _train(make(), False, monkeypatch)[0])
    assert not sparse._noted  # notes are dropped by the step that did not use them


def test_regularized_table_is_not_noted(monkeypatch):
    _, n = _train(pydl.optimizers.SGD(0.5), True, monkeypatch, regularizer="l2")
    assert n == 0


def test_apply_gradients_takes_the_lazy_path():
    pydl.manual_seed(0)
    layer = pydl.layers.Embedding(V, D)
    ids = pydl.tensor(np.array([[3, 7, 7, 1000]], np.int32))
    start = np.array(layer(ids).detach())  # builds the table
    table0 = np.array(layer.embeddings)
    out = layer(ids)
    (out * out).sum().backward()
    grad = layer.embeddings.grad
    before = sparse.lazy_updates
    pydl.optimizers.SGD(0.1).apply_gradients([(grad, layer.embeddings)])
    assert sparse.lazy_updates == before + 1
    want = table0 - np.float32(0.1) * np.asarray(grad)
    np.testing.assert_array_equal(np.asarray(layer.embeddings), want)
    assert start.shape == (1, 4, D)


def test_notes_die_with_their_table():
    layer = pydl.layers.Embedding(V, D)
    layer(pydl.tensor(np.array([[1, 2]], np.int32)))
    key = id(layer.embeddings)
    assert key in sparse._noted
    del layer
    import gc
    gc.collect()
    assert key not in sparse._noted


def _step(lazy, monkeypatch, loss_of, edit=None, make=lambda: pydl.optimizers.SGD(0.1)):
    """One step on an Embedding table whose loss `loss_of(layer, out)` may use the table elsewhere too; returns the
    new table and how many lazy updates were made."""
    if not lazy:
        monkeypatch.setattr(sparse, "note_rows", lambda *a: None)
    pydl.manual_seed(0)
    layer = pydl.layers.Embedding(V, D)
    out = layer(pydl.tensor(np.array([[3, 7, 7, 1000]], np.int32)))
    loss_of(layer, out).backward()
    table, before, opt = layer.embeddings, sparse.lazy_updates, make()
    if edit is None:
        opt.apply_to([table])
        assert table.grad is None
    else:
        opt.apply_gradients([(edit(table.grad, table), table)])
    monkeypatch.undo()
    return np.array(table), sparse.lazy_updates - before


def _tied(layer, out):  # the table is also the output projection
    return pydl.ops.mean(pydl.ops.square(pydl.ops.matmul(pydl.ops.reshape(out, (4, D)),
                                                         pydl.ops.transpose(layer.embeddings))))


def _direct(layer, out):  # a second lookup that bypasses the layer
    more = pydl.ops.embedding(pydl.tensor(np.array([5, 9], np.int64)), layer.embeddings)
    return (out * out).sum() + (more * more).sum()


@pytest.mark.parametrize("loss_of", [_tied, _direct])
def test_table_used_outside_the_lookup_gets_the_dense_update(loss_of, monkeypatch):
    lazy, n = _step(True, monkeypatch, loss_of)
    dense, _ = _step(False, monkeypatch, loss_of)
    assert n == 0
    np.testing.assert_array_equal(lazy, dense)


def test_edited_gradient_gets_the_dense_update(monkeypatch):
    decay = lambda g, p: g + p * 0.01  # noqa: E731 (manual weight decay: nonzero on every row)
    lazy, n = _step(True, monkeypatch, lambda layer, out: (out * out).sum(), edit=decay)
    dense, _ = _step(False, monkeypatch, lambda layer, out: (out * out).sum(), edit=decay)
    assert n == 0
    np.testing.assert_array_equal(lazy, dense)
    assert (np.abs(lazy - _step(False, monkeypatch, lambda layer, out: out.sum() * 0, edit=lambda g, p: g)[0])
            .sum(axis=1) > 0).all()  # every row moved


def test_plain_lookup_stays_lazy_and_clears_the_grad(monkeypatch):
    lazy, n = _step(True, monkeypatch, lambda layer, out: (out * out).sum())
    dense, _ = _step(False, monkeypatch, lambda layer, out: (out * out).sum())
    assert n == 1
    np.testing.assert_array_equal(lazy, dense)


def test_subclass_of_a_lazy_rule_stays_dense(monkeypatch):
    class SGD(pydl.optimizers.SGD):  # same name, another rule: p -= 2 lr g
        def apply_to(self, params, clear_grad=True):
            for p in params:
                p.grad = p.grad * 2
            return super().apply_to(params, clear_grad)

    loss = lambda layer, out: (out * out).sum()  # noqa: E731
    sub, n = _step(True, monkeypatch, loss, make=lambda: SGD(0.1))
    assert n == 0
    np.testing.assert_array_equal(sub, _step(True, monkeypatch, loss, make=lambda: pydl.optimizers.SGD(0.2))[0])


@pytest.mark.parametrize("bad", [5000, -1])
def test_bad_ids_leave_no_note(bad):
    layer = pydl.layers.Embedding(V, D)
    for _ in range(2):  # the second failure too names the id (no stale note in the way)
        with pytest.raises(IndexError, match=f"id {bad} .*out of range for input_dim {V}"):
            layer(pydl.tensor(np.array([[1, bad]], np.int32)))
    assert id(layer.embeddings) not in sparse._noted
    out = layer(pydl.tensor(np.array([[1, 2]], np.int32)))
    (out * out).sum().backward()
    before = sparse.lazy_updates
    pydl.optimizers.SGD(0.1).apply_to([layer.embeddings])
    assert sparse.lazy_updates == before + 1
