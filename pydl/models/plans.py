"""Step plans: the first time a compiled model runs a kind of step (train, test, predict) for given input shapes, the
step runs eagerly while pydl records its ops in C++; later batches replay that recording with one call, without
Python (csrc/autograd/plan.h). The replay runs the same ops in the same order, so results are bit for bit those of
the eager step.

A step the recorder cannot replay faithfully (an op it does not know, a tensor made from Python data inside the
step, a value read back to Python in the middle of it, a Python-side write such as reseeding) keeps running
eagerly; `Model.step_plan_info()` says why.
Like Keras's compiled functions, a plan bakes in the Python-side decisions of the step: layer attributes changed
after `compile` (a Dropout rate, a layer's `trainable` flag) take effect at the next `compile`. What the recorder
cannot see is Python state that user code keeps or changes (a counter, a global read by a loss, a NumPy random draw):
so only pydl's own layers, activations, losses, metrics and regularizers are planned, and a user's (a layer class,
a Lambda function, a loss...) opts in with the attribute `plannable = True` when it is a pure function of its
inputs and weights. Plans are off with
`compile(jit_compile=False)` or the environment variable PYDL_PLANS=0.
"""
import os
import types

from ..autograd import StepPlan, plan_recording
from ..layers.core import Lambda
from ..layers.embeddings import Embedding
from ..optimizers import sparse

MAX_PLANS = 16  # per model: every distinct (kind, input shapes) pair, e.g. a last smaller batch, has its own


def enabled(model):
    on = model.__dict__.get("_plans_on")
    if on is None:  # a model never compiled (predict only): the environment decides
        on = model._plans_on = os.environ.get("PYDL_PLANS", "1") != "0"
    return on


def reset(model, jit_compile=None):
    """At compile: forgets every plan, and turns plans on unless jit_compile is False or PYDL_PLANS=0."""
    model._plans = {}
    model._plans_on = jit_compile is not False and os.environ.get("PYDL_PLANS", "1") != "0"


def run(model, kind, inputs, fn):
    """fn(inputs) -> list of tensors, recorded the first time this kind of step sees these input shapes and dtypes,
    replayed after. `kind` is hashable and names everything else the step's ops depend on."""
    if not enabled(model) or plan_recording():  # inside another model's recorded step: part of that recording
        return fn(inputs)
    plans = model.__dict__.get("_plans")
    if plans is None:
        plans = model._plans = {}
    key = (kind, model._device, tuple((t.shape, t.dtype) for t in inputs))
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= MAX_PLANS:
            plans.pop(next(iter(plans)))
        blocker = _user_code(model, training=isinstance(kind, tuple) and kind[0] == "train")
        if blocker:
            plans[key] = blocker
            return fn(inputs)
        plan = StepPlan()
        plan.begin(inputs, model.weights)
        sparse.noting[0] = False  # the lazy row updates need the ids each step: a replay never sees them
        try:
            outs = fn(inputs)
            plan.end(list(outs))
        except BaseException:
            plan.abort()
            raise
        finally:
            sparse.noting[0] = True
        plans[key] = plan
        return outs
    if not isinstance(plan, str) and plan.usable:
        return plan.run(inputs)
    return fn(inputs)


def info(model):
    """{kind: 'planned: N ops' or 'eager: <reason>'} for each recorded step of the model."""
    out = {}
    for (kind, device, shapes), plan in (model.__dict__.get("_plans") or {}).items():
        name = kind[0] if isinstance(kind, tuple) else kind
        label = f"{name} {[s for s, _ in shapes]}"
        if isinstance(plan, str):
            out[label] = f"eager: {plan}"
        else:
            out[label] = f"planned: {len(plan.steps)} ops" if plan.usable else f"eager: {plan.reason}"
    return out


def _layers(layer):
    yield layer
    for name in ("layers", "layer", "forward_layer", "backward_layer"):
        sub = getattr(layer, name, None)
        for s in sub if isinstance(sub, (list, tuple)) else [sub] if sub is not None else []:
            if s is not layer and hasattr(s, "call"):
                yield from _layers(s)


def _user_code(model, training):
    """Why the model's steps cannot be planned, or '': Python code outside pydl that has not opted in (a layer class,
    activation, loss, metric or regularizer of the user's: Python state it keeps would not advance in a replay), or
    an embedding table that the optimizer updates row by row from the ids it saw."""
    opt = getattr(model, "optimizer", None)
    for layer in _layers(model):
        if _foreign(layer) or isinstance(layer, Lambda) and not getattr(layer, "plannable", False):
            what = "Lambda layer" if isinstance(layer, Lambda) else f"layer ({type(layer).__name__})"
            return (f"{what} '{layer.name}' runs Python code of its own; set plannable = True on it if that code "
                    f"is a pure function of its inputs and weights")
        for attr in ("activation", "recurrent_activation", "activity_regularizer"):
            if _foreign(getattr(layer, attr, None)):
                return (f"the {attr} of layer '{layer.name}' is Python code of its own; set plannable = True on it "
                        f"if it is a pure function of its inputs")
        if training and isinstance(layer, Embedding) and opt is not None and sparse.lazy_exact(opt):
            return (f"embedding '{layer.name}' is updated row by row by {type(opt).__name__} from the ids of each "
                    f"batch (exact lazy updates), which the eager step does")
    for w in model._weight_records():
        if _foreign(w.regularizer):
            return f"the regularizer of weight '{w.name}' is Python code of its own (set plannable = True on it)"
    fns = list(getattr(model, "loss_functions", None) or [])
    fns += [fn for ms in getattr(model, "_metrics", None) or [] for _, fn in ms]
    for fn in fns:
        if _foreign(fn):
            name = getattr(fn, "__name__", type(fn).__name__)
            return f"the loss or metric '{name}' is Python code of its own; set plannable = True on it if it is pure"
    return ""


def _foreign(obj):
    """Is obj (a layer, a function, a callable object) code from outside pydl that has not said it is pure?"""
    if obj is None or isinstance(obj, str) or getattr(obj, "plannable", False):  # a str names a built-in (RNNs)
        return False
    module = getattr(obj, "__module__", None) if isinstance(obj, _FUNCTIONS) else type(obj).__module__
    return not (module == "pydl" or str(module).startswith("pydl."))


_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)
