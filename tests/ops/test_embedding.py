"""pydl.ops.embedding: forward against numpy.take, the table gradient against np.add.at and finite differences,
bit-identical gradients at 1 and 2 threads, every integer id dtype, views, and bad inputs."""
import numpy as np
import pytest

import pydl
from pydl.autograd import gradcheck

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _table(rng, v, d, dtype="float64"):
    return pydl.tensor(rng.standard_normal((v, d)).astype(dtype), requires_grad=True)


def _grad(ids, table, w):
    table.grad = None
    (pydl.ops.embedding(ids, table) * pydl.tensor(w, dtype=table.dtype)).sum().backward()
    return np.array(table.grad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_matches_numpy_take(rng, dtype):
    table = _table(rng, 11, 5, dtype)
    ids = rng.integers(0, 11, size=(3, 4, 2))
    out = pydl.ops.embedding(ids, table)
    assert out.shape == (3, 4, 2, 5) and str(out.dtype) == dtype
    np.testing.assert_array_equal(np.asarray(out), np.take(np.asarray(table), ids, axis=0))


def test_table_gradient_sums_repeated_ids_like_np_add_at(rng):
    table = _table(rng, 6, 3)
    ids = np.array([[0, 5, 5], [5, 2, 0]])
    w = rng.standard_normal((2, 3, 3))
    expected = np.zeros((6, 3))
    np.add.at(expected, ids.reshape(-1), w.reshape(-1, 3))
    got = _grad(ids, table, w)
    np.testing.assert_array_equal(got, expected)  # same order of additions as np.add.at: exact in float64
    assert np.all(got[[1, 3, 4]] == 0)


def test_gradcheck_float64_with_repeated_ids(rng):
    table = _table(rng, 4, 3)
    ids = pydl.tensor(np.array([[1, 1, 3], [0, 1, 1]]))
    assert gradcheck(lambda t: pydl.ops.embedding(ids, t), [table])


def test_gradient_flows_through_a_noncontiguous_table_view(rng):
    base = pydl.tensor(rng.standard_normal((3, 8)), requires_grad=True)
    view = base.transpose(0, 1)  # (8, 3), not contiguous
    ids = np.array([7, 0, 7, 2])
    out = pydl.ops.embedding(ids, view)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(base).T[ids])
    out.sum().backward()
    counts = np.bincount(ids, minlength=8).astype(float)
    np.testing.assert_array_equal(np.array(base.grad), np.broadcast_to(counts, (3, 8)))


def test_noncontiguous_ids(rng):
    table = _table(rng, 9, 4)
    ids_np = rng.integers(0, 9, size=(5, 6))
    ids = pydl.tensor(ids_np).transpose(0, 1)[::2]
    assert not ids.is_contiguous()
    want = np.take(np.asarray(table), ids_np.T[::2], axis=0)
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(ids, table)), want)
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(ids_np.T[::2], table)), want)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_every_integer_id_dtype(rng, dtype):
    table = _table(rng, 200, 3)
    ids = rng.integers(0, 120, size=(4, 7)).astype(dtype)
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(ids, table)), np.take(np.asarray(table), ids, axis=0))


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_tensor_ids_are_read_in_their_own_dtype(rng, dtype):
    table = _table(rng, 256, 2)
    ids = pydl.tensor(np.array([255, 0, 128], dtype=dtype))
    assert str(ids.dtype) == dtype
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(ids, table)), np.asarray(table)[[255, 0, 128]])


def test_empty_ids(rng):
    table = _table(rng, 5, 3)
    out = pydl.ops.embedding(np.zeros((2, 0), dtype=np.int32), table)
    assert out.shape == (2, 0, 3)
    out.sum().backward()
    np.testing.assert_array_equal(np.array(table.grad), np.zeros((5, 3)))
    assert pydl.ops.embedding([], table).shape == (0, 3)


def test_scalar_id_and_empty_table(rng):
    table = _table(rng, 5, 3)
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(np.int64(4), table)), np.asarray(table)[4])
    assert pydl.ops.embedding(np.array([0, 1]), pydl.zeros((2, 0))).shape == (2, 0)


def test_gradients_bit_identical_at_1_and_2_threads(restore_threads, rng):
    table = _table(rng, 300, 64, "float32")
    ids = rng.integers(0, 300, size=(256, 100))
    ids[:, :40] = 0  # a heavy padding row, as in padded reviews
    w = rng.standard_normal((256, 100, 64)).astype(np.float32)
    grads, outs = [], []
    for n in (1, 2):
        pydl.set_num_threads(n)
        outs.append(np.asarray(pydl.ops.embedding(ids, table)).copy())
        grads.append(_grad(ids, table, w))
    assert np.array_equal(outs[0], outs[1])
    assert np.array_equal(grads[0], grads[1])
    expected = np.zeros((300, 64), dtype=np.float32)
    np.add.at(expected, ids.reshape(-1), w.reshape(-1, 64))
    np.testing.assert_array_equal(grads[0], expected)  # np.add.at adds in the same order


@pytest.mark.parametrize("ids", [np.array([0, 5]), np.array([[1], [-1]]), np.array([7], dtype=np.uint8),
                                 np.array([2**63], dtype=np.uint64)])
def test_out_of_range_ids_raise_index_error_naming_id_and_input_dim(rng, ids):
    table = _table(rng, 5, 2)
    bad = int(ids.reshape(-1)[-1]) if ids.dtype != np.uint64 else 2**63
    with pytest.raises(IndexError, match=rf"id {bad}\b.*input_dim" if ids.dtype != np.uint64 else str(bad)):
        pydl.ops.embedding(ids, table)
    with pytest.raises(IndexError, match="input_dim 5"):
        pydl.ops.embedding(pydl.tensor(np.array([0, 5])), table)


@pytest.mark.parametrize("ids", [np.array([1.0, 2.0]), np.array([True]), pydl.tensor([1.0]), pydl.tensor([True])])
def test_non_integer_ids_raise_dtype_error_naming_the_dtype(rng, ids):
    with pytest.raises(TypeError, match="float|bool"):
        pydl.ops.embedding(ids, _table(rng, 5, 2))


def test_bad_tables(rng):
    with pytest.raises(pydl.ShapeError, match=r"2-D.*\(5,\)"):
        pydl.ops.embedding([1], pydl.zeros((5,)))
    with pytest.raises(pydl.ShapeError, match="2-D"):
        pydl.ops.embedding([1], pydl.zeros((5, 2, 2)))
    with pytest.raises(TypeError, match="int32"):
        pydl.ops.embedding([1], pydl.tensor(np.zeros((5, 2), dtype=np.int32)))
    with pytest.raises(TypeError, match="Tensor"):
        pydl.ops.embedding([1], np.zeros((5, 2)))


def test_matches_torch_nn_embedding(rng):
    torch = pytest.importorskip("torch")
    w = rng.standard_normal((10, 4))
    ids = rng.integers(0, 10, size=(3, 5))
    g = rng.standard_normal((3, 5, 4))
    emb = torch.nn.Embedding(10, 4, _weight=torch.tensor(w))
    ref = emb(torch.tensor(ids))
    (ref * torch.tensor(g)).sum().backward()
    table = pydl.tensor(w, requires_grad=True)
    np.testing.assert_array_equal(np.asarray(pydl.ops.embedding(ids, table)), ref.detach().numpy())
    np.testing.assert_allclose(_grad(ids, table, g), emb.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
