"""Layers registered by plugins are named "<plugin>.<Class>" for saved model configs."""
import numpy as np

import pydl.registry as registry


def test_layer_name_of_plugin_and_core_layers(hello):
    import sys
    from pydl.layers import Dense
    assert registry.layer_name(Dense) is None  # core layers keep their class name
    assert "pydltest_hello" not in sys.modules
    scale = registry.layers["hi.Scale"]
    assert registry.layer_name(scale) == "hi.Scale"
    registry.reset()  # works before any lookup too: it loads the plugins
    assert registry.layer_name(scale) == "hi.Scale"


def test_model_with_plugin_layer_round_trips(hello, tmp_path):
    from pydl.layers import Input
    from pydl.models import Sequential, load_model
    model = Sequential([Input((3,)), registry.layers["hi.Scale"](factor=3.0)])
    model.save(tmp_path / "m.pydl")
    registry.reset()  # a fresh process would know nothing of the plugin
    loaded = load_model(tmp_path / "m.pydl")
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), 3 * x)
