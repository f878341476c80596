"""Step plans (pydl/models/plans.py): a recorded step replayed from C++ gives bit for bit what the eager step gives,
and a step that cannot be recorded faithfully stays eager with the reason."""
import numpy as np
import pytest

import pydl
from pydl import layers, optimizers


def _data(n=70, features=12, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]
    return x, y


def _mlp(optimizer, jit, bn=True, dropout=0.25, loss="categorical_crossentropy", dtype="float32"):
    pydl.manual_seed(3)
    m = pydl.models.Sequential([layers.Dense(16, activation="relu", input_shape=(12,), dtype=dtype)])
    if bn:
        m.add(layers.BatchNormalization(dtype=dtype))
    if dropout:
        m.add(layers.Dropout(dropout, dtype=dtype))
    m.add(layers.Dense(8, activation="tanh", kernel_regularizer="l2", dtype=dtype))
    m.add(layers.Dense(4, activation="softmax", dtype=dtype))
    m.compile(optimizer=optimizers.get(optimizer), loss=loss, metrics=["accuracy"], jit_compile=jit)
    return m


def _train(build, x, y, epochs=2, batch_size=16, **fit):
    """(history, weights, predictions, evaluation, plan info) of one fresh model trained from seed 5."""
    m = build()
    pydl.manual_seed(5)
    np.random.seed(5)  # fit's shuffling
    fit.setdefault("verbose", 0)
    h = m.fit(x, y, epochs=epochs, batch_size=batch_size, **fit)
    return (h.history, m.get_weights(), m.predict(x, batch_size=batch_size), m.evaluate(x, y, verbose=0),
            m.step_plan_info(), m)


def _assert_same(eager, planned):
    assert eager[0] == planned[0]  # loss and metric histories, exactly
    for a, b in zip(eager[1], planned[1]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(eager[2] if isinstance(eager[2], list) else [eager[2]],
                    planned[2] if isinstance(planned[2], list) else [planned[2]]):
        np.testing.assert_array_equal(a, b)
    assert eager[3] == planned[3]


def _planned_kinds(info):
    return sorted({label.split()[0] for label, how in info.items() if how.startswith("planned")})


@pytest.mark.parametrize("opt", ["sgd", optimizers.SGD(0.05, momentum=0.9, nesterov=True), "rmsprop", "adagrad",
                                 "adadelta", "adam", optimizers.Adam(amsgrad=True), "nadam"],
                         ids=lambda o: o if isinstance(o, str) else type(o).__name__ + "-variant")
def test_planned_training_is_bitwise_eager(opt):
    x, y = _data()
    val = _data(20, seed=1)
    runs = [_train(lambda: _mlp(optimizers.get(opt).__class__.from_config(optimizers.get(opt).get_config()), jit),
                   x, y, validation_data=val) for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    assert runs[0][4] == {}  # jit_compile=False: no plan at all
    assert _planned_kinds(runs[1][4]) == ["predict", "test", "train"]
    # 70 samples in batches of 16: a plan for the full batches and one for the last batch of 6
    assert sum(label.startswith("train") for label in runs[1][4]) == 2


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_model_with_weights_is_bitwise_eager(threads, restore_threads):
    pydl.set_num_threads(threads)
    rng = np.random.default_rng(1)
    x = rng.random((30, 9, 9, 2)).astype("float32")
    y = rng.integers(0, 3, 30)
    cw = {0: 1.0, 1: 2.0, 2: 0.5}

    def build(jit):
        def make():
            pydl.manual_seed(7)
            m = pydl.models.Sequential([
                layers.Conv2D(4, 3, activation="relu", padding="same", input_shape=(9, 9, 2)),
                layers.MaxPooling2D(2), layers.Conv2D(6, 2, strides=2), layers.Flatten(), layers.Dropout(0.3),
                layers.Dense(3, activation="softmax")])
            m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
            return m
        return make
    eager = _train(build(False), x, y, batch_size=8, class_weight=cw, validation_split=0.2)
    planned = _train(build(None), x, y, batch_size=8, class_weight=cw, validation_split=0.2)
    _assert_same(eager, planned)
    assert "train" in _planned_kinds(planned[4])


def test_multi_input_multi_output_with_sample_weights_is_bitwise_eager():
    rng = np.random.default_rng(2)
    a, b = rng.random((40, 5)).astype("float32"), rng.random((40, 3)).astype("float32")
    y1, y2 = rng.random((40, 1)).astype("float32"), rng.integers(0, 2, (40, 1)).astype("float32")
    sw = [rng.random(40).astype("float32"), (rng.random(40) > 0.3).astype("float32")]

    def make(jit):
        def build():
            pydl.manual_seed(11)
            ia, ib = layers.Input((5,), name="a"), layers.Input((3,), name="b")
            h = layers.concatenate([layers.Dense(6, activation="relu")(ia), layers.Dense(4, activation="elu")(ib)])
            out1 = layers.Dense(1, name="reg")(h)
            out2 = layers.Dense(1, activation="sigmoid", name="cls")(h)
            m = pydl.models.Model([ia, ib], [out1, out2])
            m.compile(optimizer="rmsprop", loss=["mse", "binary_crossentropy"], loss_weights=[0.5, 2.0],
                      metrics=[[], ["accuracy"]], jit_compile=jit)
            return m
        return build
    runs = [_train(make(jit), [a, b], [y1, y2], batch_size=16, sample_weight=sw) for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    assert "train" in _planned_kinds(runs[1][4])


def test_train_on_batch_and_predict_on_batch_replay():
    x, y = _data(8)
    eager, planned = _mlp("adam", False), _mlp("adam", None)
    for m in (eager, planned):
        pydl.manual_seed(9)
        m.history_ = [m.train_on_batch(x, y) for _ in range(4)] + [m.test_on_batch(x, y)]
    assert eager.history_ == planned.history_
    np.testing.assert_array_equal(eager.predict_on_batch(x), planned.predict_on_batch(x))
    info = planned.step_plan_info()
    assert info["train [(8, 12), (8, 4)]"].startswith("planned")


def test_set_weights_and_recompile_reach_the_plan():
    x, y = _data(32)
    m = _mlp("sgd", None, bn=False, dropout=0.0)
    m.fit(x, y, batch_size=32, epochs=1, verbose=0)
    before = m.predict(x)  # recorded on the first predict, replayed below
    zeros = [np.zeros_like(w) for w in m.get_weights()]
    m.set_weights(zeros)
    np.testing.assert_array_equal(m.predict(x), np.full_like(before, 0.25))  # softmax of zeros
    m.compile(optimizer="sgd", loss="mse")
    assert m.step_plan_info() == {}


def test_user_layer_stays_eager_unless_it_opts_in():
    class Scale(layers.Layer):
        calls = 0

        def call(self, inputs):
            Scale.calls += 1  # Python state a replay would not update
            return inputs * 2.0

    x, y = _data(16)

    def build(plannable):
        pydl.manual_seed(1)
        s = Scale()
        if plannable:
            s.plannable = True
        m = pydl.models.Sequential([layers.Dense(4, input_shape=(12,)), s, layers.Activation("softmax")])
        m.compile(optimizer="sgd", loss="categorical_crossentropy")
        return m
    m = build(False)
    Scale.calls = 0
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert Scale.calls == 4  # every step ran the layer's Python
    (how,) = {v for k, v in m.step_plan_info().items() if k.startswith("train")}
    assert how.startswith("eager: layer (Scale) 'scale") and "plannable = True" in how
    m = build(True)
    Scale.calls = 0
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert Scale.calls == 1  # recorded once, replayed three times
    assert m.step_plan_info()["train [(8, 12), (8, 4)]"].startswith("planned")


@pytest.mark.parametrize("body, reason", [
    (lambda t: t * np.float32(2.0), "array-like operand"),
    (lambda t: t * float(pydl.ops.mean(t)), "reading a tensor's value"),
    (lambda t: t + pydl.tensor(np.ones(4, "float32")), "neither an input"),
])
def test_what_a_plan_cannot_replay_stays_eager(body, reason):
    x, y = _data(16)

    def build(jit):
        pydl.manual_seed(2)
        lam = layers.Lambda(body)
        lam.plannable = True  # the user claims it is pure: the recorder still refuses what it cannot replay
        m = pydl.models.Sequential([layers.Dense(4, input_shape=(12,)), lam, layers.Activation("softmax")])
        m.compile(optimizer="adam", loss="categorical_crossentropy", jit_compile=jit)
        return m
    eager, planned = build(False), build(None)
    for m in (eager, planned):
        pydl.manual_seed(4)
        m.hist = m.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False).history
    assert eager.hist == planned.hist
    how = planned.step_plan_info()["train [(8, 12), (8, 4)]"]
    assert how.startswith("eager: ") and reason in how, how


def test_plans_off_by_environment(monkeypatch):
    monkeypatch.setenv("PYDL_PLANS", "0")
    x, y = _data(16)
    m = _mlp("sgd", None)
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert m.step_plan_info() == {}


def test_float64_model_plans():
    x, y = _data(24)
    runs = [_train(lambda: _mlp("adam", jit, dtype="float64"), x.astype("float64"), y.astype("float64"), batch_size=8)
            for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    assert runs[1][1][0].dtype == np.float64


# ---- runs of steps replayed back to back (step_runs.py) ----
def _count_runs(monkeypatch):
    from pydl.models import step_runs
    seen = []
    real = step_runs.train_steps

    def counting(plan, data, order, batch_size, first, *rest):
        seen.append((first, len(rest[1])))
        return real(plan, data, order, batch_size, first, *rest)
    monkeypatch.setattr(step_runs, "train_steps", counting)
    return seen


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_runs_of_steps_are_bitwise_the_steps(monkeypatch, shuffle, capsys):
    x, y = _data(75)
    seen = _count_runs(monkeypatch)
    sched = pydl.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 / (1 + epoch))
    runs = [_train(lambda: _mlp("nadam", jit), x, y, epochs=3, batch_size=8, shuffle=shuffle, callbacks=[sched],
                   verbose=1) for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    # 9 full batches and one of 3 per epoch: the first full one records the plan, the later full ones run in C++
    # (with shuffle='batch', only those before the short batch, which may come anywhere); the short one steps
    replayed = sum(k for _, k in seen)
    assert replayed == 8 + 9 + 9 if shuffle != "batch" else 0 < replayed <= 26
    assert "Epoch 3/3" in capsys.readouterr().out


def test_a_batch_callback_sees_every_step_from_python(monkeypatch):
    x, y = _data(32)
    seen = _count_runs(monkeypatch)
    weights_seen = []
    cb = pydl.callbacks.LambdaCallback(on_batch_end=lambda b, logs: weights_seen.append(
        float(np.asarray(model.layers[0].kernel)[0, 0])))
    model = _mlp("sgd", None)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [] and len(set(weights_seen)) == 8  # the callback ran after each update
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sum(k for _, k in seen) == 8  # without it, every step of both epochs ran in C++ (the plan exists)


def test_runs_fall_back_for_sample_weights_and_constraints(monkeypatch):
    x, y = _data(32)
    seen = _count_runs(monkeypatch)
    m = _mlp("sgd", None)
    m.fit(x, y, batch_size=8, epochs=2, verbose=0, sample_weight=np.linspace(0, 1, 32))
    assert seen == []
    assert m.step_plan_info()["train [(8, 12), (8, 4), (8,), ()]"].startswith("planned")

    def constrained(jit):  # constraints project the weights after each update (apply_to): every step from Python
        pydl.manual_seed(6)
        m = pydl.models.Sequential([layers.Dense(8, activation="relu", input_shape=(12,),
                                                 kernel_constraint=pydl.constraints.MaxNorm(0.5)),
                                    layers.Dense(4, activation="softmax", bias_constraint="non_neg")])
        m.compile(optimizer="adam", loss="categorical_crossentropy", jit_compile=jit)
        return m
    runs = [_train(lambda: constrained(jit), x, y, batch_size=8) for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    assert seen == [] and np.all(np.linalg.norm(runs[1][1][0], axis=0) <= 0.5 + 1e-6)


def test_runs_keep_an_optimizer_wrappers_apply_to(monkeypatch):
    """A distributed optimizer (say) averages gradients in apply_to: fit must call it every step."""
    calls = []

    class Wrapped(optimizers.SGD):
        def apply_to(self, params, clear_grad=True):
            calls.append(len(params))
            return super().apply_to(params, clear_grad)

    x, y = _data(32)
    seen = _count_runs(monkeypatch)
    m = _mlp("sgd", None)
    m.compile(optimizer=Wrapped(0.01), loss="categorical_crossentropy")
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert seen == [] and len(calls) == 8


@pytest.mark.parametrize("opt", ["adam", "sgd"])
def test_text_model_plans_unless_rows_are_updated_lazily(opt):
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 50, (24, 7)), rng.integers(0, 2, 24).astype("float32")

    def make(jit):
        def build():
            pydl.manual_seed(1)
            m = pydl.models.Sequential([layers.Embedding(50, 6, input_length=7, mask_zero=True),
                                        layers.SpatialDropout1D(0.2), layers.LSTM(5, dropout=0.1),
                                        layers.Dense(1, activation="sigmoid")])
            m.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"], jit_compile=jit)
            return m
        return build
    runs = [_train(make(jit), x, y, batch_size=8) for jit in (False, None)]
    _assert_same(runs[0], runs[1])
    how = runs[1][4]["train [(8, 7), (8, 1)]"]
    if opt == "sgd":  # SGD updates only the rows each batch looked up: that needs the eager step's ids
        assert how.startswith("eager: embedding 'embedding") and "lazy updates" in how
        assert runs[1][4]["predict [(8, 7)]"].startswith("planned")
    else:
        assert how.startswith("planned")


# ---- what the review found: user code outside layers, state a replay cannot see, failures while recording ----
def test_user_losses_activations_and_subclasses_stay_eager_unless_pure():
    x, y = _data(16)
    weight = [1.0]

    def annealed(y_true, y_pred):  # Python state read by the loss: a replay would keep the first value
        return pydl.losses.categorical_crossentropy(y_true, y_pred) * weight[0]

    class MyDense(layers.Dense):
        def _pre_activation(self, inputs):  # a pydl layer's helper overridden by user code
            return super()._pre_activation(inputs) * 2.0

    class MyLambda(layers.Lambda):
        pass

    def my_act(t):
        return pydl.ops.tanh(t)

    cases = [
        ("loss", lambda: [layers.Dense(4, activation="softmax", input_shape=(12,))], annealed,
         "the loss or metric 'annealed'"),
        ("subclass", lambda: [MyDense(4, activation="softmax", input_shape=(12,))], "categorical_crossentropy",
         "layer (MyDense)"),
        ("lambda subclass", lambda: [layers.Dense(4, input_shape=(12,)), MyLambda(lambda t: t),
                                     layers.Activation("softmax")], "categorical_crossentropy", "Lambda layer 'my_lambda"),
        ("activation", lambda: [layers.Dense(4, activation=my_act, input_shape=(12,)), layers.Activation("softmax")],
         "categorical_crossentropy", "the activation of layer"),
    ]
    for name, stack, loss, reason in cases:
        pydl.manual_seed(0)
        m = pydl.models.Sequential(stack())
        m.compile(optimizer="sgd", loss=loss)
        hist = []
        for epoch in range(3):
            weight[0] = 1.0 + epoch
            hist += m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False).history["loss"]
        (how,) = {v for k, v in m.step_plan_info().items() if k.startswith("train")}
        assert how.startswith("eager: ") and reason in how, (name, how)
    annealed.plannable = True  # a user may say it is pure (here wrongly: the plan then keeps the first weight)
    pydl.manual_seed(0)
    m = pydl.models.Sequential([layers.Dense(4, activation="softmax", input_shape=(12,))])
    m.compile(optimizer="sgd", loss=annealed)
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert m.step_plan_info()["train [(8, 12), (8, 4)]"].startswith("planned")


@pytest.mark.parametrize("body, reason", [
    (lambda t: t * float(np.from_dlpack(t).mean()), "DLPack"),
    (lambda t: (pydl.manual_seed(1), t)[1], "reseeding"),
])
def test_host_reads_and_writes_inside_a_step_refuse_the_plan(body, reason):
    x, y = _data(16)
    lam = layers.Lambda(body)
    lam.plannable = True
    m = pydl.models.Sequential([layers.Dense(4, input_shape=(12,)), lam, layers.Activation("softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    how = m.step_plan_info()["train [(8, 12), (8, 4)]"]
    assert how.startswith("eager: ") and reason in how, how


def test_a_step_that_raises_while_recorded_leaves_no_recording_behind():
    x, y = _data(8)
    m = _mlp("sgd", None, bn=False, dropout=0.0)
    m.compile(optimizer="sgd", loss={})  # no loss for the output: the test step returns None, which end() refuses
    with pytest.raises(TypeError):
        m.evaluate(x, y, verbose=0)
    assert not pydl.autograd.plan_recording()
    np.testing.assert_array_equal(np.asarray(pydl.ones(3) + 1.0), [2.0, 2.0, 2.0])
    dropped = pydl.autograd.StepPlan()
    dropped.begin([pydl.ones(2)], [])
    del dropped  # freed while recording: the thread stops recording instead of writing into freed memory
    assert not pydl.autograd.plan_recording()
    np.testing.assert_array_equal(np.asarray(pydl.ones(2) * 2.0), [2.0, 2.0])


def test_a_progress_bar_subclass_with_its_own_batch_hook_sees_every_step(monkeypatch):
    x, y = _data(64)
    seen = _count_runs(monkeypatch)

    class StopAt2(pydl.callbacks.ProgbarLogger):
        def on_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    m = _mlp("sgd", None)
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)  # records the plan
    seen.clear()
    h = m.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[StopAt2()])
    assert seen == [] and len(h.history["loss"]) == 1


def test_split_is_recorded():
    x, y = _data(16)
    lam = layers.Lambda(lambda t: pydl.ops.concatenate(pydl.ops.split(t, 2, axis=1)[::-1], axis=1))
    lam.plannable = True
    m = pydl.models.Sequential([layers.Dense(4, input_shape=(12,)), lam, layers.Activation("softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert m.step_plan_info()["train [(8, 12), (8, 4)]"].startswith("planned")
