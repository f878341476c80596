"""Every public op and creation function, with each argument in turn replaced by a value of the wrong kind, either
works or raises TypeError/ValueError/IndexError/OverflowError naming the value (never RuntimeError, RecursionError,
AttributeError or SystemError, and never pybind11's "Unable to cast")."""
import numpy as np
import pytest

import pydl

BAD = [1.5, "abc", None, (1, 2), 2**70, -7, True, [[1], [2, 3]]]
ALLOWED = (TypeError, ValueError, IndexError, OverflowError)


def x():
    return pydl.tensor(np.arange(6.0).reshape(2, 3))


def xi():
    return pydl.tensor(np.arange(6).reshape(2, 3))


# name -> (function, good positional arguments, good keyword arguments)
CALLS = {
    "sum": (pydl.sum, lambda: [x()], {"axis": 0, "keepdims": False}),
    "mean": (pydl.mean, lambda: [x()], {"axis": 0}),
    "max": (pydl.max, lambda: [x()], {"axis": 1}),
    "var": (pydl.var, lambda: [x()], {"axis": 1, "ddof": 0}),
    "std": (pydl.std, lambda: [x()], {"axis": 1, "ddof": 0}),
    "argmax": (pydl.argmax, lambda: [x()], {"axis": 1}),
    "argmin": (pydl.argmin, lambda: [x()], {"axis": 1}),
    "softmax": (pydl.softmax, lambda: [x()], {"axis": -1}),
    "add": (pydl.add, lambda: [x(), 1.0], {}),
    "less": (pydl.less, lambda: [xi(), 3], {}),
    "where": (pydl.where, lambda: [x() > 2, x(), 0.0], {}),
    "clip": (pydl.clip, lambda: [x()], {"min": 0.0, "max": 3.0}),
    "leaky_relu": (pydl.leaky_relu, lambda: [x()], {"alpha": 0.1}),
    "matmul": (pydl.matmul, lambda: [x(), x().T], {}),
    "concatenate": (pydl.concatenate, lambda: [[x(), x()]], {"axis": 0}),
    "stack": (pydl.stack, lambda: [[x(), x()]], {"axis": 0}),
    "gather": (pydl.gather, lambda: [x(), 1, pydl.tensor([[0], [1]])], {}),
    "reshape": (pydl.reshape, lambda: [x(), (3, 2)], {}),
    "transpose": (pydl.transpose, lambda: [x()], {"axes": (1, 0)}),
    "split": (pydl.split, lambda: [x(), 3], {"axis": 1}),
    "pad": (pydl.pad, lambda: [x(), 1], {"value": 0.0}),
    "take": (pydl.take, lambda: [x(), [0, 1]], {"axis": 1}),
    "broadcast_to": (pydl.broadcast_to, lambda: [x(), (4, 2, 3)], {}),
    "expand_dims": (pydl.expand_dims, lambda: [x(), 0], {}),
    "squeeze": (pydl.squeeze, lambda: [pydl.ones(1, 3)], {"axis": 0}),
    "tensor": (pydl.tensor, lambda: [[1, 2]], {"dtype": "int32"}),
    "zeros": (pydl.zeros, lambda: [2, 3], {"dtype": "float32"}),
    "full": (pydl.full, lambda: [(2, 3), 4], {"dtype": "int64"}),
    "arange": (pydl.arange, lambda: [0, 5, 1], {"dtype": "int64"}),
    "linspace": (pydl.linspace, lambda: [0.0, 1.0], {"num": 5}),
    "eye": (pydl.eye, lambda: [3], {"m": 2}),
    "uniform": (pydl.uniform, lambda: [(2, 3)], {"low": 0.0, "high": 1.0}),
    "normal": (pydl.normal, lambda: [(2, 3)], {"mean": 0.0, "std": 1.0}),
    "randint": (pydl.randint, lambda: [0, 5, (3,)], {"dtype": "int32"}),
    "conv2d": (pydl.conv2d, lambda: [pydl.ones(1, 4, 4, 1), pydl.ones(3, 3, 1, 2)], {"strides": 1, "padding": "same"}),
    "max_pool2d": (pydl.max_pool2d, lambda: [pydl.ones(1, 4, 4, 1)], {"pool_size": 2}),
    "upsample2d": (pydl.upsample2d, lambda: [pydl.ones(1, 2, 2, 1)], {"size": 2}),
    "zero_pad2d": (pydl.zero_pad2d, lambda: [pydl.ones(1, 2, 2, 1)], {"padding": 1}),
    # Tensor methods and properties
    "Tensor.reshape": (lambda t, *s: t.reshape(*s), lambda: [x(), 3, 2], {}),
    "Tensor.permute": (lambda t, *d: t.permute(*d), lambda: [x(), 1, 0], {}),
    "Tensor.transpose": (lambda t, a, b: t.transpose(a, b), lambda: [x(), 0, 1], {}),
    "Tensor.unsqueeze": (lambda t, a: t.unsqueeze(a), lambda: [x(), 0], {}),
    "Tensor.astype": (lambda t, d: t.astype(d), lambda: [x(), "int32"], {}),
    "Tensor.to": (lambda t, d: t.to(d), lambda: [x(), "cpu"], {}),
    "Tensor.getitem": (lambda t, k: t[k], lambda: [x(), 1], {}),
    "Tensor.getitem2": (lambda t, k: t[0, k], lambda: [x(), slice(0, 2)], {}),
    "Tensor.setitem": (lambda t, k: t.__setitem__(k, 1.0), lambda: [x(), 1], {}),
    "Tensor.setvalue": (lambda t, v: t.__setitem__(0, v), lambda: [x(), 1.0], {}),
    "Tensor.grad": (lambda t, g: setattr(t, "grad", g), lambda: [x(), pydl.zeros(2, 3)], {}),
    "Tensor.backward": (lambda t, g: t.backward(g), lambda: [pydl.ones(2, requires_grad=True) * 2.0, pydl.ones(2)], {}),
}


def _cases():
    for name, (fn, args, kwargs) in CALLS.items():
        n_args, keys = len(args()), list(kwargs)
        for slot in list(range(n_args)) + keys:
            for bad in BAD:
                yield pytest.param(name, slot, bad, id=f"{name}-{slot}-{bad!r}"[:80])


def _mentions(msg, bad):
    forms = {repr(bad), str(bad), type(bad).__name__}
    if isinstance(bad, tuple):
        forms |= {str(v) for v in bad}
    return any(f in msg for f in forms)


@pytest.mark.parametrize("name,slot,bad", list(_cases()))
def test_bad_argument_gives_a_clear_error(name, slot, bad):
    fn, make_args, kwargs = CALLS[name]
    args, kwargs = make_args(), dict(kwargs)
    if isinstance(slot, int):
        if slot == 0 and name.startswith("Tensor."):
            return  # the tensor itself
        args[slot] = bad
    else:
        kwargs[slot] = bad
    allowed = ALLOWED + ((RuntimeError,) if (name, bad) == ("Tensor.backward", None) else ())  # PyTorch's type
    try:
        fn(*args, **kwargs)
    except allowed as e:
        msg = str(e)
        assert "Unable to cast" not in msg, msg
        # a value that became a tensor of the wrong shape is named by its shape
        shape_named = isinstance(e, pydl.ShapeError) and "shape" in msg
        assert shape_named or _mentions(msg, bad), f"{type(e).__name__}: {msg!r} does not mention {bad!r}"
    except Exception as e:  # anything else is a defect: show it
        pytest.fail(f"{type(e).__name__}: {e}")
