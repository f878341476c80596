"""The functional graph engine: a Model is a Layer made of the nodes between its inputs and outputs.

Model(inputs, outputs) walks back from the outputs through the nodes that made them, orders the nodes by depth
(as Keras does, so model.layers and summary() list layers in Keras's order), and executes them in that order on
real tensors. A Model is itself a Layer: calling it on symbolic tensors adds one node to an outer graph, which is
how nested models and Sequential-inside-functional work. Sequential is built on the same engine.
"""
from ..layers.base import Layer, _unique, to_list
from ..layers.input_layer import InputLayer
from ..layers.node import KerasTensor


class Network(Layer):
    """Graph bookkeeping shared by Model and Sequential (no training logic here)."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.inputs, self.outputs = [], []
        self._is_graph_network = False
        self._layers = []
        self._exec_nodes = []
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model needs both inputs= and outputs=")
            self._init_graph(inputs, outputs)

    # ---- graph construction ----
    def _init_graph(self, inputs, outputs):
        self._inputs_were_list = isinstance(inputs, (list, tuple))
        self._outputs_were_list = isinstance(outputs, (list, tuple))
        inputs, outputs = to_list(inputs), to_list(outputs)
        for x in inputs + outputs:
            if not isinstance(x, KerasTensor):
                raise TypeError(f"Model inputs and outputs must be symbolic tensors (from pydl.layers.Input and layer "
                                f"calls), got {type(x).__name__}")
        for x in inputs:
            layer = x._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(f"Model inputs must come from pydl.layers.Input, but {x!r} is the output of layer "
                                 f"'{layer.name}'")
        self.inputs, self.outputs = inputs, outputs
        input_ids = {id(x) for x in inputs}

        # Post-order DFS from the outputs: producers before consumers.
        order, seen = [], set()

        def visit(node, stack):
            if id(node) in seen:
                return
            if id(node) in stack:
                raise ValueError(f"the graph has a cycle through layer '{node.layer.name}'")
            stack.add(id(node))
            for t in node.input_tensors:
                if id(t) in input_ids:
                    visit(t._keras_history[0]._inbound_nodes[t._keras_history[1]], stack)
                    continue
                layer, ni, _ = t._keras_history
                visit(layer._inbound_nodes[ni], stack)
            stack.discard(id(node))
            seen.add(id(node))
            order.append(node)

        for t in outputs:
            layer, ni, _ = t._keras_history
            visit(layer._inbound_nodes[ni], set())

        # Depth: outputs' nodes at 0, each producer at least one deeper than its consumers.
        depth = {}
        for node in reversed(order):
            d = depth.setdefault(id(node), 0)
            for t in node.input_tensors:
                layer, ni, _ = t._keras_history
                parent = layer._inbound_nodes[ni]
                depth[id(parent)] = max(depth.get(id(parent), 0), d + 1)
        pos = {id(n): i for i, n in enumerate(order)}
        nodes = sorted(order, key=lambda n: (-depth[id(n)], pos[id(n)]))

        # Every tensor a node reads must be an input or computed earlier (else the graph is disconnected).
        available = set(input_ids)
        for node in nodes:
            if isinstance(node.layer, InputLayer):
                if id(node.output_tensors[0]) not in input_ids:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor {node.output_tensors[0]!r} "
                                     f"at layer '{node.layer.name}'. The following previous layers were accessed "
                                     f"without issue: {[n.layer.name for n in nodes if id(n) in available]}")
                continue
            for t in node.input_tensors:
                if id(t) not in available:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                                     f"'{node.layer.name}'")
            available.update(id(t) for t in node.output_tensors)

        self._nodes = nodes
        self._node_depth = depth
        self._exec_nodes = [n for n in nodes if not isinstance(n.layer, InputLayer)]
        # Input layers first (in the order of model.inputs), then the others by depth.
        layers = [x._keras_history[0] for x in inputs]
        for n in nodes:
            if all(n.layer is not l for l in layers):
                layers.append(n.layer)
        self._layers = layers
        for l in layers:
            if all(l is not s for s in self._sublayers):
                self._sublayers.append(l)
        self._is_graph_network = True
        self.built = True
        names = [l.name for l in layers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"The name(s) {dup} are used by more than one layer in the model; layer names must be "
                             "unique")

    # ---- layers ----
    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Layers: {', '.join(l.name for l in self.layers)}")

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = []
        for layer in self.layers:
            out += layer.trainable_weights
        return _unique(out)

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        out = []
        for layer in self.layers:
            out += layer.non_trainable_weights
        return _unique(out)

    def _named_weights(self):
        out, seen = [], set()
        for layer in self.layers:
            for name, t in layer._named_weights():
                if id(t) not in seen:
                    seen.add(id(t))
                    out.append((name, t))
        return out

    def _weight_records(self):
        out = []
        for layer in self.layers:
            out += layer._weight_records()
        return out

    @property
    def losses(self):
        out = []
        for layer in self.layers:
            out += layer.losses
        return out

    # ---- execution ----
    def _run_graph(self, inputs, training=None, logits_outputs=()):
        """Runs the nodes on tensors; outputs whose index is in `logits_outputs` are returned before their final
        softmax/sigmoid (the layer's _pre_activation) for fused losses."""
        inputs = to_list(inputs)
        if len(inputs) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s), but it received "
                             f"{len(inputs)} input tensor(s)")
        values = {id(k): v for k, v in zip(self.inputs, inputs)}
        special = {}
        for i in logits_outputs:
            layer, ni, _ = self.outputs[i]._keras_history
            special[id(layer._inbound_nodes[ni])] = True
        masks = {}  # id(KerasTensor) -> bool mask tensor, for tensors that carry one
        for node in self._exec_nodes:
            args = [values[id(t)] for t in node.input_tensors]
            x = args if node.inputs_is_list else args[0]
            in_masks = [masks.get(id(t)) for t in node.input_tensors]
            mask = (in_masks if node.inputs_is_list else in_masks[0]) if any(m is not None for m in in_masks) \
                else None
            if id(node) in special:
                out = node.layer._pre_activation(x)
            elif mask is not None and "mask" not in node.call_kwargs:
                out = node.layer(x, training=training, mask=mask, **node.call_kwargs)
            else:
                out = node.layer(x, training=training, **node.call_kwargs)
            for k, v in zip(node.output_tensors, to_list(out)):
                values[id(k)] = v
            if mask is not None or node.layer.supports_masking:
                out_mask = node.layer.compute_mask(x, mask)
                if out_mask is not None:
                    out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask]
                    for k, m in zip(node.output_tensors, out_masks):
                        if m is not None:
                            masks[id(k)] = m
        return [values[id(t)] for t in self.outputs]

    def call(self, inputs, training=None):
        outs = self._run_graph(inputs, training=training)
        return outs if self._outputs_were_list or len(outs) > 1 else outs[0]

    def compute_output_shape(self, input_shape):
        shapes = [tuple(t.shape) for t in self.outputs]
        return shapes if len(shapes) > 1 else shapes[0]

    def build(self, input_shape):
        self.built = True

    @property
    def output_shape(self):
        """The shape(s) of the model's own outputs (Keras: defined without calling the model as a layer)."""
        if not self.outputs:
            return super().output_shape
        shapes = [tuple(t.shape) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_shape(self):
        if not self.inputs:
            return super().input_shape
        shapes = [tuple(t.shape) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input(self):
        """The model's own symbolic input(s) (Keras: `model.input`, e.g. for K.function), before any outer call."""
        if not self.inputs:
            return super().input
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        if not self.outputs:
            return super().output
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    def count_params(self):
        return int(sum(int(w.size) for w in self.weights))

    # ---- config ----
    def get_config(self):
        """Keras-style functional config: layers with their inbound node references, inputs and outputs."""
        node_ids = {}
        layer_configs = []
        for layer in self.layers:
            kept = [n for n in layer._inbound_nodes if id(n) in {id(m) for m in self._nodes}]
            for i, n in enumerate(kept):
                node_ids[id(n)] = i
        for layer in self.layers:
            inbound = []
            for n in layer._inbound_nodes:
                if id(n) not in node_ids or isinstance(layer, InputLayer):
                    continue
                refs = []
                for t in n.input_tensors:
                    l, ni, ti = t._keras_history
                    refs.append([l.name, node_ids[id(l._inbound_nodes[ni])], ti, {}])
                inbound.append({"refs": refs, "is_list": n.inputs_is_list, "kwargs": n.call_kwargs})
            from ..saving.serialization import serialize_layer
            spec = serialize_layer(layer)
            spec["name"] = layer.name
            spec["inbound_nodes"] = inbound
            layer_configs.append(spec)

        def ref(t):
            l, ni, ti = t._keras_history
            return [l.name, node_ids[id(l._inbound_nodes[ni])], ti]
        return {"name": self.name, "layers": layer_configs, "input_layers": [ref(t) for t in self.inputs],
                "output_layers": [ref(t) for t in self.outputs], "trainable": self.trainable,
                "inputs_were_list": self._inputs_were_list, "outputs_were_list": self._outputs_were_list}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization import deserialize_layer
        created = {}
        for spec in config["layers"]:
            created[spec["name"]] = deserialize_layer(spec, custom_objects)
        # Re-run each node in order; a node can be processed once all of its inputs exist.
        outputs_of = {}  # (layer name, node index) -> list of output tensors
        for spec in config["layers"]:
            if spec["class_name"] == "InputLayer":
                outputs_of[(spec["name"], 0)] = created[spec["name"]]._inbound_nodes[0].output_tensors
        pending = [(spec["name"], i, node) for spec in config["layers"] for i, node in
                   enumerate(spec.get("inbound_nodes", []))]
        while pending:
            progressed, rest = False, []
            for name, i, node in pending:
                refs = node["refs"]
                if all((r[0], r[1]) in outputs_of for r in refs):
                    args = [outputs_of[(r[0], r[1])][r[2]] for r in refs]
                    x = args if node.get("is_list") else args[0]
                    out = created[name](x, **node.get("kwargs", {}))
                    outputs_of[(name, i)] = to_list(out)
                    progressed = True
                else:
                    rest.append((name, i, node))
            if not progressed:
                raise ValueError(f"model config has layer inputs that are never produced: "
                                 f"{sorted({p[0] for p in rest})}")
            pending = rest
        ins = [outputs_of[(r[0], r[1])][r[2]] for r in config["input_layers"]]
        outs = [outputs_of[(r[0], r[1])][r[2]] for r in config["output_layers"]]
        model = cls(inputs=ins if config.get("inputs_were_list", len(ins) > 1) else ins[0],
                    outputs=outs if config.get("outputs_were_list", len(outs) > 1) else outs[0],
                    name=config.get("name"))
        model.trainable = config.get("trainable", True)
        return model


