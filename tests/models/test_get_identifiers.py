"""The six `get(identifier)` lookups share `pydl.utils.registry.resolve`; each keeps its own rules and messages."""
import pytest

from pydl import activations, initializers, losses, metrics, optimizers, regularizers
from pydl.utils.registry import custom_object_scope


def my_fn(x):
    return x


def test_names_resolve_per_kind():
    assert activations.get("relu") is activations.relu and activations.get(None) is activations.linear
    assert isinstance(initializers.get("GlorotUniform"), initializers.VarianceScaling)  # CamelCase -> snake_case
    assert isinstance(initializers.get(initializers.Zeros), initializers.Zeros)  # a class is instantiated
    assert initializers.get(None) is None and regularizers.get(None) is None
    assert losses.get("MSE") is losses.mean_squared_error and metrics.get("mae") is losses.mean_absolute_error
    assert type(optimizers.get("Adam")) is optimizers.Adam  # optimizer names ignore case
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    reg = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.5}})
    assert reg.get_config() == {"l1": 0.5, "l2": 0.0}


def test_custom_object_scope_counts_where_it_did():
    with custom_object_scope({"my_fn": my_fn}):
        assert activations.get("my_fn") is my_fn and losses.get("my_fn") is my_fn and metrics.get("my_fn") is my_fn
        with pytest.raises(ValueError, match="Unknown optimizer 'my_fn'. Valid names: adadelta, adagrad, adam"):
            optimizers.get("my_fn")


def test_a_scoped_object_wins_over_a_builtin_of_the_same_name():
    """Keras's order: a user's own `swish` or `mse` (saved with a model) must not silently become pydl's."""
    with custom_object_scope({"swish": my_fn, "mse": my_fn}):
        assert activations.get("swish") is my_fn and losses.get("mse") is my_fn
    assert activations.get("swish") is not my_fn and losses.get("mse") is not my_fn


@pytest.mark.parametrize("module,message", [
    (activations, "Unknown activation function 'nope'. Valid names: elu, exponential, "),
    (initializers, "Unknown initializer 'nope'. Valid names: constant, glorot_normal, "),
    (losses, "Unknown loss function 'nope'. Valid names: KLD, MAE, MAPE, MSE, MSLE, binary_crossentropy, "),
    (metrics, "Unknown metric function 'nope'. Valid names: accuracy, acc, MAE, MAPE, "),
    (optimizers, "Unknown optimizer 'nope'. Valid names: adadelta, adagrad, adam, nadam, rmsprop, sgd"),
    (regularizers, "Unknown regularizer 'nope'. Valid names: l1, l1_l2, l2"),
])
def test_unknown_names_list_the_valid_ones(module, message):
    with pytest.raises(ValueError) as e:
        module.get("nope")
    assert str(e.value).startswith(message)


def test_wrong_types_say_what_was_expected():
    with pytest.raises(TypeError, match=r"activation must be a name or a callable, got 3"):
        activations.get(3)
    with pytest.raises(TypeError, match="cannot interpret None as an optimizer"):
        optimizers.get(None)
    with pytest.raises(TypeError, match="cannot interpret 3 as a loss"):
        losses.get(3)
    with pytest.raises(ValueError, match=r"Unknown metric function '\[1\]'"):  # was "unhashable type: 'list'"
        metrics.get([1])
