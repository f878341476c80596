"""The step-plan recorder (csrc/autograd/plan.h) used directly: what it records, replays and refuses. Runs under
ASan in CI with the other autograd tests; the model-level tests are in tests/models/test_step_plans.py."""
import numpy as np
import pytest

import pydl
from pydl.autograd import StepPlan, train_steps


def test_plan_records_and_replays_ops():
    plan = StepPlan()
    a, b = pydl.tensor([1.0, 2.0]), pydl.tensor([3.0, 4.0])
    w = pydl.tensor([0.5, 0.5])
    plan.begin([a, b], [w])
    out = pydl.ops.exp(a * w) + b[::-1]
    assert plan.end([out]) == ""
    assert plan.usable and plan.steps == ["mul", "exp", "getitem", "add"]
    a2, b2 = pydl.tensor([0.0, -1.0]), pydl.tensor([1.0, 1.0])
    w[...] = 2.0  # state is read live
    (got,) = plan.run([a2, b2])
    np.testing.assert_allclose(np.asarray(got), np.exp([0.0, -2.0]) + 1.0, rtol=1e-6)


def test_plan_refuses_bad_use():
    plan = StepPlan()
    a = pydl.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="not usable"):
        plan.run([a])
    plan.begin([a], [])
    with pytest.raises(RuntimeError, match="already recording"):
        StepPlan().begin([a], [])
    out = a * 2.0
    plan.end([out])
    with pytest.raises(ValueError, match="expected 1 inputs, got 2"):
        plan.run([a, a])
    with pytest.raises(pydl.ShapeError, match=r"input 0 must have shape \(2,\) and dtype float32"):
        plan.run([pydl.tensor([1.0, 2.0, 3.0])])
    unknown, outside = StepPlan(), pydl.tensor([5.0])
    unknown.begin([a], [])
    assert "no recorded op" in unknown.end([outside])
    made = StepPlan()
    made.begin([a], [])
    assert "'clone' read a tensor that is neither an input" in made.end([pydl.tensor([5.0])])  # Python data
    with pytest.raises(RuntimeError, match="not usable: the step returned"):
        unknown.run([a])


def test_plan_abort_leaves_nothing_recording():
    plan = StepPlan()
    a = pydl.tensor([1.0])
    plan.begin([a], [])
    plan.abort()
    other = StepPlan()
    other.begin([a], [])  # a new recording can start
    assert other.end([a + 1.0]) == ""




def test_replay_runs_backward_and_train_steps_update():
    """A recorded forward + backward, replayed by train_steps with SGD over two batches, equals doing it by hand."""
    w = pydl.tensor(np.array([[0.5], [-1.0]], "float32"))
    w.requires_grad = True
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]], "float32")
    y = np.array([[1.0], [0.0], [2.0], [1.0]], "float32")
    plan = StepPlan()
    xb, yb = pydl.tensor(x[:2]), pydl.tensor(y[:2])
    plan.begin([xb, yb], [w])
    loss = pydl.ops.mean(pydl.ops.square(pydl.ops.matmul(xb, w) - yb))
    loss.backward()
    assert plan.end([loss]) == ""
    assert plan.steps[-1] == "backward"
    w.grad = None
    expected_w = np.array([[0.5], [-1.0]], "float64")
    order = np.array([2, 0, 3, 1], np.int64)
    expected_losses = []
    for k in range(2):
        xb64, yb64 = x[order[2 * k:2 * k + 2]].astype("float64"), y[order[2 * k:2 * k + 2]].astype("float64")
        err = xb64 @ expected_w - yb64
        expected_losses.append(np.mean(err ** 2))
        expected_w -= 0.1 * (2 * xb64.T @ err / err.size)
    sgd = pydl.nn_ops.SGD
    got = train_steps(plan, [pydl.tensor(x), pydl.tensor(y)], order, 2, 0, sgd, [0.1, 0.1], [0.0, 0.0], [0.0, 0.0],
                      1e-7, [[], []], False, False, 0.0, 0.0, [w], [[]])
    np.testing.assert_allclose(got, expected_losses, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(w), expected_w, rtol=1e-5)
    assert w.grad is None  # cleared by the update, as apply_to does
    with pytest.raises(ValueError, match="do not fit in 4 samples"):
        train_steps(plan, [pydl.tensor(x), pydl.tensor(y)], order, 2, 1, sgd, [0.1] * 2, [0.0] * 2, [0.0] * 2, 1e-7,
                    [[], []], False, False, 0.0, 0.0, [w], [[]])
    with pytest.raises(IndexError, match="sample index 9 out of range"):
        train_steps(plan, [pydl.tensor(x), pydl.tensor(y)], np.array([9, 0, 1, 2]), 2, 0, sgd, [0.1], [0.0], [0.0],
                    1e-7, [[]], False, False, 0.0, 0.0, [w], [[]])
