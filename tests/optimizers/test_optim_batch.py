"""The batched optimizer update (ops::optim_update_all behind pydl.nn_ops.optim_update): which parameters it
updates, clear_grad, and the errors for mismatched lists or a bad kind."""
import numpy as np
import pytest

import pydl
from pydl import nn_ops


def _param(values, grad=None):
    p = pydl.tensor(values, requires_grad=True)
    if grad is not None:
        (p * pydl.tensor(grad)).sum().backward()
    return p


def test_reads_grad_skips_missing_and_clears():
    a, b = _param([1.0, 2.0], grad=[0.5, 1.0]), _param([3.0])
    n = nn_ops.optim_update(nn_ops.OptimKind.SGD, [a, b], None, [[], []], 0.1, clear_grad=True)
    assert n == 1
    np.testing.assert_allclose(np.asarray(a.detach()), [0.95, 1.9], rtol=1e-6)
    assert np.asarray(b.detach()).tolist() == [3.0] and a.grad is None


def test_explicit_grads_with_none_and_a_parameter_listed_twice():
    a, b = _param([1.0]), _param([2.0])
    g = pydl.tensor([1.0])
    n = nn_ops.optim_update(nn_ops.SGD, [a, b, a], [g, None, g], [[], [], []], 0.5)
    assert n == 2 and np.asarray(a.detach()).tolist() == [0.0] and np.asarray(b.detach()).tolist() == [2.0]


def test_slots_are_updated_in_place():
    p = pydl.tensor([1.0, -1.0])
    m, v = pydl.zeros(2), pydl.zeros(2)
    nn_ops.optim_update(nn_ops.OptimKind.Adam, [p], [pydl.tensor([1.0, -2.0])], [[m, v]], 0.1, beta1=0.9,
                        beta2=0.999)
    np.testing.assert_allclose(np.asarray(m), [0.1, -0.2], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(v), [0.001, 0.004], rtol=1e-5)


def test_mismatched_lists_raise():
    p = pydl.tensor([1.0])
    with pytest.raises(ValueError, match="1 parameters but 2 slot lists"):
        nn_ops.optim_update(nn_ops.SGD, [p], [pydl.tensor([1.0])], [[], []], 0.1)
    with pytest.raises(ValueError, match="1 parameters but 0 gradients"):
        nn_ops.optim_update(nn_ops.SGD, [p], [], [[]], 0.1)


def test_kind_is_an_enum_not_an_integer():
    assert [k.name for k in nn_ops.OptimKind.__members__.values()] == ["SGD", "Adagrad", "Adadelta", "RMSprop",
                                                                       "Adam", "Nadam"]
    with pytest.raises(TypeError):
        nn_ops.optim_update(4, [pydl.tensor([1.0])], [pydl.tensor([1.0])], [[]], 0.1)
