"""plot_model / model_to_dot: the layer graph as DOT (needs pydot) and as a picture (needs Graphviz's dot)."""
import shutil
import sys

import pytest

import pydl
from pydl.layers import Dense, Input, concatenate
from pydl.utils import model_to_dot, plot_model

pydot = pytest.importorskip("pydot")


def branched_model():
    a = Input(shape=(4,), name="pixels")
    left, right = Dense(3, name="left")(a), Dense(2, name="right")(a)
    return pydl.Model(a, Dense(1, name="out")(concatenate([left, right], name="joined")))


def _graph(dot):
    names = {n.get_name(): n.get("label").strip('"').split("\\n")[0] for n in dot.get_nodes()
             if n.get_name() not in ("node", "edge", "graph")}
    edges = {(names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges()}
    return names, edges


def test_branched_model_graph_has_every_connection():
    names, edges = _graph(model_to_dot(branched_model()))
    assert sorted(names.values()) == ["joined: Concatenate", "left: Dense", "out: Dense", "pixels: InputLayer",
                                      "right: Dense"]
    assert edges == {("pixels: InputLayer", "left: Dense"), ("pixels: InputLayer", "right: Dense"),
                     ("left: Dense", "joined: Concatenate"), ("right: Dense", "joined: Concatenate"),
                     ("joined: Concatenate", "out: Dense")}


def test_sequential_chain_and_shapes():
    model = pydl.Sequential([Dense(8, input_shape=(5,), name="h"), Dense(2, name="o")])
    dot = model_to_dot(model, show_shapes=True, show_layer_names=False, rankdir="LR")
    text = dot.to_string()
    assert "rankdir=LR" in text
    assert "Dense\\ninput: (None, 5)\\noutput: (None, 8)" in text
    assert "Dense\\ninput: (None, 8)\\noutput: (None, 2)" in text
    _, edges = _graph(model_to_dot(model))
    assert edges == {("h_input: InputLayer", "h: Dense"), ("h: Dense", "o: Dense")}
    with pytest.raises(ValueError, match="rankdir must be 'TB'.*got 'BT'"):
        model_to_dot(model, rankdir="BT")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_plot_model_writes_a_png(tmp_path):
    path = tmp_path / "model.png"
    plot_model(branched_model(), to_file=str(path), show_shapes=True)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert not list(tmp_path.glob("*.tmp-*"))


def test_without_graphviz_or_pydot_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program on the PATH
    with pytest.raises(ImportError, match="install Graphviz"):
        plot_model(branched_model(), to_file=str(tmp_path / "m.png"))
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        model_to_dot(branched_model())
