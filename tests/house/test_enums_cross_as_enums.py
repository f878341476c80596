"""C++ enums reach Python as py::enum_ types (no integers mirrored by hand): the kinds of pooling, random draws and
optimizer rules; a bare integer or bool where a kind is expected is a TypeError."""
import pytest

import pydl
from pydl import _C


@pytest.mark.parametrize("enum,names", [(_C.PoolKind, ["Max", "Avg"]), (_C.RandomKind, ["Uniform", "Normal", "Integer"]),
                                        (_C.OptimKind, ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "Nadam"])])
def test_enum_members(enum, names):
    assert list(enum.__members__) == names


def test_integers_and_bools_are_not_kinds():
    x = pydl.ones((1, 4, 4, 1))
    with pytest.raises(TypeError):
        _C._pool2d(x, True, (2, 2), (2, 2), "valid")
    with pytest.raises(TypeError):
        _C._global_pool(x, 0, 2, False)
    with pytest.raises(TypeError):
        _C._random((2,), 0, 0.0, 1.0, pydl.float32, None)


def test_public_ops_pass_the_right_kind():
    x = pydl.tensor([[[1.0], [3.0], [2.0], [0.0]]])
    assert pydl.max_pool1d(x).tolist() == [[[3.0], [2.0]]]
    assert pydl.avg_pool1d(x).tolist() == [[[2.0], [1.0]]]
    assert pydl.global_max_pool1d(x).tolist() == [[3.0]]
    assert pydl.global_avg_pool1d(x).tolist() == [[1.5]]
    pydl.manual_seed(0)
    r = pydl.randint(0, 3, (1000,))
    assert r.dtype == pydl.int64 and set(r.numpy().tolist()) == {0, 1, 2}
    n = pydl.randn(20000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05 and n.min() < 0
