"""model.summary(): Keras 2's table (layer, output shape, parameter count, and for branched graphs the inbound
connections), then total / trainable / non-trainable parameter counts."""
from ..layers.input_layer import InputLayer


def _count(tensors):
    return int(sum(int(t.size) for t in tensors))


def _sequential_like(model):
    if type(model).__name__ == "Sequential" or not model._is_graph_network:
        return True
    by_depth = {}
    for n in model._nodes:
        by_depth.setdefault(model._node_depth[id(n)], []).append(n)
    nodes = []
    for v in by_depth.values():
        if len(v) > 1 or (len(v) == 1 and len(v[0].inbound_layers) > 1):
            return False
        nodes += v
    ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in ids) > 1:
            return False
    return True


def _row(fields, positions):
    line = ""
    for i, f in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(f)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    return str(shape) if shape != "multiple" else "multiple"


def summary_lines(model, line_length=None, positions=None):
    if not model.built:
        raise ValueError(f"This model ({model.name}) has not yet been built. Build the model first by calling it on "
                         "data, or give the first layer an input_shape= / input_dim=")
    seq = _sequential_like(model)
    if seq:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    lines = [f'Model: "{model.name}"', "_" * line_length, _row(headers, positions), "=" * line_length]
    layers = model.layers
    relevant = {id(n) for n in getattr(model, "_nodes", [])}
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = layer.count_params() if layer.built else 0
        if seq:
            lines.append(_row([name, _shape_text(layer), params], positions))
        else:
            conns = []
            for node in layer._inbound_nodes:
                if relevant and id(node) not in relevant or isinstance(layer, InputLayer):
                    continue
                for t in node.input_tensors:
                    l, ni, ti = t._keras_history
                    conns.append(f"{l.name}[{ni}][{ti}]")
            lines.append(_row([name, _shape_text(layer), params, conns[0] if conns else ""], positions))
            for c in conns[1:]:
                lines.append(_row(["", "", "", c], positions))
        lines.append(("=" if i == len(layers) - 1 else "_") * line_length)
    collected = getattr(model, "_collected_trainable_weights", None)  # what compile() will train
    trainable = _count(collected if collected is not None else model.trainable_weights)
    all_weights = model.weights
    non_trainable = _count(all_weights) - trainable
    lines += [f"Total params: {trainable + non_trainable:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {non_trainable:,}", "_" * line_length]
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None):
    for line in summary_lines(model, line_length, positions):
        (print_fn or print)(line)
