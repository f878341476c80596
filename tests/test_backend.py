"""pydl.backend (Keras 2's `K`): each function against NumPy, gradients where Keras's are differentiable, and the
K.function / K.gradients / get_value patterns the book's notebooks use."""
import numpy as np
import pytest

import pydl
from pydl import backend as K
from pydl.layers import Dense, Dropout

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((4, 5))
P = rng.uniform(0.05, 0.95, (3, 4))
Y = (rng.uniform(size=(3, 4)) > 0.5).astype(float)

# (name, call on backend tensors, the same in NumPy)
CASES = [
    ("sum", lambda a: K.sum(a, axis=1), lambda a: a.sum(1)),
    ("sum_list_axes", lambda a: K.sum(a, axis=[0, 1], keepdims=True), lambda a: a.sum((0, 1), keepdims=True)),
    ("mean", lambda a: K.mean(a, axis=0), lambda a: a.mean(0)),
    ("max", lambda a: K.max(a, axis=-1), lambda a: a.max(-1)),
    ("min", lambda a: K.min(a), lambda a: a.min()),
    ("var", lambda a: K.var(a, axis=1), lambda a: a.var(1)),
    ("std", lambda a: K.std(a, axis=1), lambda a: a.std(1)),
    ("square", K.square, np.square),
    ("sqrt_clips_negatives", K.sqrt, lambda a: np.sqrt(np.maximum(a, 0))),
    ("abs", K.abs, np.abs),
    ("exp", K.exp, np.exp),
    ("log", lambda a: K.log(K.abs(a)), lambda a: np.log(np.abs(a))),
    ("pow", lambda a: K.pow(a, 2.0), lambda a: a ** 2),
    ("clip", lambda a: K.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
    ("dot", lambda a: K.dot(a, K.constant(B, dtype="float64")), lambda a: a @ B),
    ("reshape", lambda a: K.reshape(a, (4, 3)), lambda a: a.reshape(4, 3)),
    ("permute_dimensions", lambda a: K.permute_dimensions(a, (1, 0)), lambda a: a.T),
    ("transpose", K.transpose, lambda a: a.T),
    ("expand_dims", lambda a: K.expand_dims(a, 1), lambda a: a[:, None]),
    ("squeeze", lambda a: K.squeeze(K.expand_dims(a, 0), 0), lambda a: a),
    ("concatenate", lambda a: K.concatenate([a, a], axis=-1), lambda a: np.concatenate([a, a], -1)),
    ("stack", lambda a: K.stack([a, a], axis=0), lambda a: np.stack([a, a])),
    ("batch_flatten", lambda a: K.batch_flatten(K.reshape(a, (3, 2, 2))), lambda a: a),
    ("sigmoid", K.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    ("tanh", K.tanh, np.tanh),
    ("relu", K.relu, lambda a: np.maximum(a, 0)),
    ("relu_max_value", lambda a: K.relu(a, max_value=0.5), lambda a: np.clip(a, 0, 0.5)),
    ("softmax", K.softmax, lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True)),
    ("binary_crossentropy", lambda a: K.binary_crossentropy(K.constant(Y, dtype="float64"), K.sigmoid(a)),
     lambda a: -(Y * np.log(1 / (1 + np.exp(-a))) + (1 - Y) * np.log(1 - 1 / (1 + np.exp(-a))))),
    ("binary_crossentropy_logits", lambda a: K.binary_crossentropy(Y, a, from_logits=True),
     lambda a: -(Y * np.log(1 / (1 + np.exp(-a))) + (1 - Y) * np.log(1 - 1 / (1 + np.exp(-a))))),
    ("categorical_crossentropy", lambda a: K.categorical_crossentropy(Y, K.softmax(a)),
     lambda a: -(Y * (a - np.log(np.exp(a).sum(-1, keepdims=True)))).sum(-1)),
]


@pytest.mark.parametrize("name,fn,ref", CASES, ids=[c[0] for c in CASES])
def test_math_matches_numpy(name, fn, ref):
    got = K.eval(fn(K.constant(A, dtype="float64")))
    np.testing.assert_allclose(got, ref(A), rtol=1e-10, atol=1e-12)


DIFFERENTIABLE = [c for c in CASES if c[0] not in ("max", "min", "clip", "relu_max_value", "sqrt_clips_negatives")]


@pytest.mark.parametrize("name,fn,ref", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradients_match_finite_differences(name, fn, ref):
    v = K.variable(A, dtype="float64")
    (g,) = K.gradients(K.sum(fn(v)), [v])
    num, eps = np.zeros_like(A), 1e-6
    for i in np.ndindex(A.shape):
        d = np.zeros_like(A)
        d[i] = eps
        num[i] = (ref(A + d).sum() - ref(A - d).sum()) / (2 * eps)
    np.testing.assert_allclose(K.eval(g), num, rtol=1e-5, atol=1e-6)
    assert v.grad is None  # gradients() leaves the variable's own .grad alone


def test_comparisons_argmax_one_hot_cast():
    a = K.constant(A)
    np.testing.assert_array_equal(K.eval(K.argmax(a)), A.argmax(-1))
    np.testing.assert_array_equal(K.eval(K.argmin(a, axis=0)), A.argmin(0))
    np.testing.assert_array_equal(K.eval(K.equal(a, a)), np.ones(A.shape, bool))
    np.testing.assert_array_equal(K.eval(K.greater(a, 0.0)), A > 0)
    np.testing.assert_array_equal(K.eval(K.one_hot([2, 0], 3)), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(IndexError, match="class ids"):
        K.one_hot([3], 3)
    assert K.dtype(K.cast(a, "float64")) == "float64"


def test_batch_dot_matches_einsum():
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y)), np.einsum("bij,bjk->bik", x, y), rtol=1e-5, atol=1e-5)
    u, w = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    np.testing.assert_allclose(K.eval(K.batch_dot(u, w)), (u * w).sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(K.eval(K.batch_dot(x, y, axes=(2, 1))), np.einsum("bij,bjk->bik", x, y), rtol=1e-5, atol=1e-5)


def test_dot_of_nd_tensors_follows_keras():
    x, y = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4, 6))
    np.testing.assert_allclose(K.eval(K.dot(x, y)), np.tensordot(x, y, axes=([2], [1])), rtol=1e-5, atol=1e-5)


def test_values_shapes_and_config():
    v = K.variable([[1.0, 2.0]])
    assert v.requires_grad and K.int_shape(v) == (1, 2) and K.ndim(v) == 2 and K.dtype(v) == "float32"
    K.set_value(v, [[3.0, 4.0]])
    np.testing.assert_array_equal(K.get_value(v), [[3.0, 4.0]])
    with pytest.raises(ValueError, match=r"\(2,\)"):
        K.set_value(v, [1.0, 2.0])
    with pytest.raises(TypeError, match="optimizer.lr"):
        K.set_value(0.1, 0.2)
    assert [x.tolist() for x in K.batch_get_value([v, K.constant(1.0)])] == [[[3.0, 4.0]], 1.0]
    assert K.epsilon() == 1e-7 and K.image_data_format() == "channels_last" and K.count_params(v) == 2
    assert K.eval(K.zeros((2, 3))).sum() == 0 and K.eval(K.ones_like(v)).tolist() == [[1.0, 1.0]]
    with pytest.raises(ValueError, match="float16"):
        K.set_floatx("float16")


def test_set_floatx_changes_new_layers_dtype():
    try:
        K.set_floatx("float64")
        layer = Dense(2)
        layer.build((None, 3))
        assert str(layer.kernel.dtype) == "float64"
    finally:
        K.set_floatx("float32")
    assert Dense(2).dtype == "float32"


def test_random_draws_follow_their_arguments():
    n = K.eval(K.random_normal((20000,), mean=2.0, stddev=0.5, seed=1))
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    u = K.eval(K.random_uniform((20000,), minval=-1.0, maxval=3.0, seed=1))
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(u, K.eval(K.random_uniform((20000,), minval=-1.0, maxval=3.0, seed=1)))


def test_function_reads_hidden_activations_in_test_and_train_phase():
    model = pydl.Sequential([Dense(8, activation="relu", input_shape=(3,)), Dropout(0.5), Dense(2)])
    x = rng.standard_normal((50, 3)).astype("float32")
    w, b = model.layers[0].get_weights()
    hidden = K.function([model.input, K.learning_phase()], [model.layers[0].output])
    np.testing.assert_allclose(hidden([x, 0])[0], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    dropped = K.function([model.input, K.learning_phase()], [model.layers[1].output])
    assert np.array_equal(dropped([x, 0])[0], np.maximum(x @ w + b, 0).astype("float32"))
    train = dropped([x, 1])[0]
    assert (train == 0).mean() > 0.3  # dropout is on in the training phase
    single = K.function(model.input, model.output)
    np.testing.assert_allclose(single(x)[0], model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_optimizer_learning_rate_through_get_value():
    model = pydl.Sequential([Dense(2, input_shape=(3,))])
    model.compile(loss="mse", optimizer=pydl.optimizers.SGD(lr=0.05))
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.05)


def test_keras_top_level_names():
    from pydl import Input, Model, Sequential  # `from keras import Sequential`
    assert Sequential is pydl.models.Sequential and Model is pydl.models.Model and Input is pydl.layers.Input
    inp = pydl.Input(shape=(3,))
    m = pydl.Model(inp, Dense(2)(inp))
    assert m.count_params() == 8
    with pytest.raises(AttributeError, match="no attribute 'Sequentail'"):
        pydl.Sequentail


def test_clear_session_resets_layer_names():
    K.clear_session()
    assert Dense(1).name == "dense_1"
    K.clear_session()
    assert Dense(1).name == "dense_1"


def test_gradients_only_for_leaf_variables_and_leaves_their_grad_alone():
    w, v = K.variable([1.0, 2.0, 3.0]), K.variable([4.0, 5.0, 6.0])
    h = w * 3.0
    loss = K.sum(h * v)
    with pytest.raises(ValueError, match=r"variables\[0\] is an intermediate \(non-leaf\) tensor"):
        K.gradients(loss, [h])
    with pytest.raises(ValueError, match="does not require grad"):
        K.gradients(loss, [K.constant([1.0])])
    gw, gv = K.gradients(loss, [w, v])
    np.testing.assert_allclose(K.eval(gw), [12.0, 15.0, 18.0])
    np.testing.assert_allclose(K.eval(gv), [3.0, 6.0, 9.0])
    assert w.grad is None and v.grad is None


def test_a_seeded_draw_leaves_pydls_generator_alone():
    pydl.manual_seed(7)
    expected = pydl.randn(5).numpy()
    pydl.manual_seed(7)
    a = K.eval(K.random_normal((3,), seed=1))
    b = K.eval(K.random_uniform((3,), seed=1))
    np.testing.assert_array_equal(pydl.randn(5).numpy(), expected)  # the global stream did not move
    np.testing.assert_array_equal(a, K.eval(K.random_normal((3,), seed=1)))
    np.testing.assert_array_equal(b, K.eval(K.random_uniform((3,), seed=1)))
    assert a.dtype == np.float32 and not np.array_equal(a, K.eval(K.random_normal((3,), seed=2)))
