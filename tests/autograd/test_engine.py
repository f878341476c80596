"""Autograd engine: accumulation, deep graphs, graph freeing, grad modes, errors, gradcheck."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pydl

X = np.array([0.5, -1.0, 2.0])


def leaf(values=X):
    return pydl.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_leaf_and_interior_flags():
    x = leaf()
    y = x * x
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    assert not y.is_leaf and y.requires_grad
    assert isinstance(y.grad_fn, str) and "Mul" in y.grad_fn


def test_fan_out_accumulates():
    x = leaf()
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * X + 1, rtol=1e-12)


def test_grads_accumulate_across_backward_calls_and_reset():
    x = leaf()
    (x * 2.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 5.0))
    x.grad = None
    (x * 4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 4.0))


def test_taken_gradient_is_never_shared():
    # A leaf takes the engine's gradient tensor without a copy only when nothing else holds it: here `add` hands
    # the same gradient to both leaves, so at least one must copy; accumulating into one leaf's grad (the second
    # backward adds in place) must then leave the other's alone.
    a, b = leaf(), leaf()
    g = pydl.tensor(np.array([1.0, 2.0, 3.0]))
    (a + b).backward(g)
    (a * 10.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [11.0, 12.0, 13.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(g.numpy(), [1.0, 2.0, 3.0])  # the caller's gradient is never taken
    # a gradient taken by a leaf (a matmul's weight gradient) keeps its own values through later accumulation
    w = pydl.tensor(np.eye(3), requires_grad=True)
    x = pydl.tensor(np.arange(6.0).reshape(2, 3))
    first = None
    for k in range(2):
        (x @ w).sum().backward()
        if first is None:
            first = w.grad.numpy().copy()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * first)
    np.testing.assert_array_equal(first, np.repeat(x.numpy().sum(0)[:, None], 3, axis=1))


def test_grad_flows_through_views():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    (x[1:3] * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0, 0.0])


def test_deep_chain_of_10000_ops():
    # run in a child so a stack overflow shows up as a failed test, not a dead suite
    code = textwrap.dedent("""
        import gc, json, pydl, numpy as np
        x = pydl.tensor(np.array([1.0, 2.0]), requires_grad=True)
        y = x
        for _ in range(10000):
            y = y * 1.0001
        y.sum().backward()
        print(json.dumps(x.grad.numpy().tolist()).replace(" ", ""))
        del y
        z = x
        for _ in range(10000):
            z = z + 1.0
        del z                        # dropping a deep, never-run graph must not recurse
        gc.collect()
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.split()
    assert lines[-1] == "ok"
    grad = json.loads(lines[-2])
    np.testing.assert_allclose(grad, [1.0001 ** 10000] * 2, rtol=1e-9)


def test_retain_graph():
    x = leaf()
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * X, rtol=1e-12)
    with pytest.raises(RuntimeError):
        y.backward()


def test_second_backward_without_retain_graph_raises():
    x = leaf()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_context_and_decorator():
    x = leaf()
    assert pydl.is_grad_enabled()
    with pydl.no_grad():
        assert not pydl.is_grad_enabled()
        y = x * 2.0
        with pydl.enable_grad():
            z = x * 2.0
    assert pydl.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @pydl.no_grad()
    def f(t):
        return t * 3.0, pydl.is_grad_enabled()

    out, enabled = f(x)
    assert not out.requires_grad and not enabled
    assert pydl.is_grad_enabled()
    np.testing.assert_allclose(out.numpy(), 3 * X)


def test_detach_cuts_the_graph():
    x = leaf()
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    np.testing.assert_allclose(d.numpy(), 2 * X)
    (x.detach() * x).sum().backward()          # only the attached factor contributes
    np.testing.assert_allclose(x.grad.numpy(), X, rtol=1e-12)


def test_non_scalar_backward():
    x = leaf()
    y = x * 3.0
    with pytest.raises(RuntimeError, match="grad"):
        y.backward()
    y.backward(grad=pydl.tensor(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 6.0, 9.0])


def test_inplace_change_of_saved_tensor_breaks_backward():
    x = leaf()
    b = pydl.tensor(np.array([1.0, 2.0, 3.0]))     # saved by mul for x's gradient
    y = (x * b).sum()
    b += 1.0
    with pytest.raises(RuntimeError):
        y.backward()


def test_inplace_under_no_grad_then_backward_raises():
    x = leaf()
    y = (x * x).sum()
    with pydl.no_grad():
        x += 1.0
    with pytest.raises(RuntimeError):
        y.backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf()
    with pytest.raises(RuntimeError):
        x += 1.0
    np.testing.assert_array_equal(x.numpy(), X)


def test_requires_grad_on_int_tensor_raises_dtype_error():
    t = pydl.tensor([1, 2, 3])
    with pytest.raises(pydl.DTypeError):
        t.requires_grad = True
    assert not t.requires_grad
    with pytest.raises(pydl.DTypeError):
        pydl.tensor([1, 2, 3], requires_grad=True)


def test_gradcheck_accepts_correct_and_rejects_wrong_gradients():
    x = pydl.tensor(np.array([0.3, -0.7, 1.2]), requires_grad=True)
    assert pydl.autograd.gradcheck(lambda t: t.exp() * t, (x,)) is True
    # x * x.detach() computes x**2 but its analytic gradient is x, not 2x
    with pytest.raises(AssertionError):
        pydl.autograd.gradcheck(lambda t: t * t.detach(), (x,))
