"""plot_model / model_to_dot (Keras 2's keras.utils.plot_model): the model's layer graph as a Graphviz picture.

Building the graph needs pydot; drawing it needs Graphviz's `dot` program. Either missing gives an ImportError that
says what to install; `model_to_dot(...).to_string()` (DOT text) needs only pydot.
"""
import os

from ..layers.input_layer import InputLayer


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError("plot_model/model_to_dot need pydot (pip install pydot) and Graphviz's dot program "
                          "(apt-get install graphviz, brew install graphviz or conda install graphviz)") from None
    return pydot


def _shape(shape):
    if isinstance(shape, list):
        return ", ".join(_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _label(layer, show_shapes, show_layer_names):
    kind = type(layer).__name__
    text = f"{layer.name}: {kind}" if show_layer_names else kind
    if show_shapes:
        try:
            out = _shape(layer.output_shape)
            inp = out if isinstance(layer, InputLayer) else _shape(layer.input_shape)
        except (AttributeError, ValueError):
            inp = out = "multiple"
        text = f"{text}\\ninput: {inp}\\noutput: {out}"
    return text


def _edges(model):
    """(from_layer, to_layer) pairs in the model, in graph order."""
    if getattr(model, "_is_graph_network", False) and getattr(model, "_nodes", None):
        return [(src, node.layer) for node in model._nodes for src in node.inbound_layers]
    layers = model.layers
    return list(zip(layers[:-1], layers[1:]))


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB", dpi=96, **kwargs):
    """A pydot.Dot with one box per layer (input layers included) and an arrow per connection."""
    pydot = _pydot()
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' (vertical) or 'LR' (horizontal), got {rankdir!r}")
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=str(dpi), concentrate="true")
    dot.set_node_defaults(shape="record")
    layers = list(model.layers)
    edges = _edges(model)
    for src, _ in edges:
        if isinstance(src, InputLayer) and src not in layers:
            layers.insert(0, src)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, show_shapes, show_layer_names)))
    known = {id(l) for l in layers}
    for src, dst in edges:
        if id(src) in known and id(dst) in known:
            dot.add_edge(pydot.Edge(str(id(src)), str(id(dst))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, rankdir="TB", dpi=96,
               **kwargs):
    """Draws the model's graph into to_file (the format follows its extension: png, svg, pdf, ...) and returns an
    IPython Image of it when IPython is available (so a notebook cell shows it), else None."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi)
    fmt = os.path.splitext(os.fspath(to_file))[1][1:] or "png"
    try:
        data = dot.create(format=fmt)
    except (FileNotFoundError, OSError) as e:
        raise ImportError(f"plot_model could not run Graphviz's dot program ({e}); install Graphviz (apt-get install "
                          "graphviz, brew install graphviz or conda install graphviz)") from None
    from ..saving.atomic import atomic_write
    atomic_write(to_file, data)
    try:
        from IPython.display import Image
    except ImportError:
        return None
    return Image(filename=to_file) if fmt == "png" else None


__all__ = ["plot_model", "model_to_dot"]
