"""Step plans: the first time a compiled model runs a kind of step (train, test, predict) for given input shapes, the
step runs eagerly while pydl records its ops in C++; later batches replay that recording with one call, without
Python (csrc/autograd/plan.h). The replay runs the same ops in the same order, so results are bit for bit those of
the eager step.

A step the recorder cannot replay faithfully (an op it does not know, a tensor made from Python data inside the
step, a value read back to Python in the middle of it) keeps running eagerly; `Model.step_plan_info()` says why.
Like Keras's compiled functions, a plan bakes in the Python-side decisions of the step: layer attributes changed
after `compile` (a Dropout rate, a layer's `trainable` flag) take effect at the next `compile`. What the recorder
cannot see is Python state that a layer's `call` keeps or changes (a counter, a NumPy random draw): so only layers
whose `call` is pydl's own are planned, and a user's layer (or Lambda function) opts in with the class or instance
attribute `plannable = True` when its `call` is a pure function of its inputs and weights. Plans are off with
`compile(jit_compile=False)` or the environment variable PYDL_PLANS=0.
"""
import os

from ..autograd import StepPlan

MAX_PLANS = 16  # per model: every distinct (kind, input shapes) pair, e.g. a last smaller batch, has its own


def enabled(model):
    return model.__dict__.get("_plans_on", False)


def reset(model, jit_compile=None):
    """At compile: forgets every plan, and turns plans on unless jit_compile is False or PYDL_PLANS=0."""
    model._plans = {}
    model._plans_on = jit_compile is not False and os.environ.get("PYDL_PLANS", "1") != "0"


def run(model, kind, inputs, fn):
    """fn(inputs) -> list of tensors, recorded the first time this kind of step sees these input shapes and dtypes,
    replayed after. `kind` is hashable and names everything else the step's ops depend on."""
    if not enabled(model):
        return fn(inputs)
    plans = model.__dict__.get("_plans")
    if plans is None:
        plans = model._plans = {}
    key = (kind, model._device, tuple((t.shape, t.dtype) for t in inputs))
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= MAX_PLANS:
            plans.pop(next(iter(plans)))
        blocker = _user_code(model)
        if blocker:
            plans[key] = blocker
            return fn(inputs)
        plan = StepPlan()
        plan.begin(inputs, model.weights)
        try:
            outs = fn(inputs)
        except BaseException:
            plan.abort()
            raise
        plan.end(list(outs))
        plans[key] = plan
        return outs
    if not isinstance(plan, str) and plan.usable:
        return plan.run(inputs)
    return fn(inputs)


def _layers(layer):
    yield layer
    for name in ("layers", "layer", "forward_layer", "backward_layer"):
        sub = getattr(layer, name, None)
        for s in sub if isinstance(sub, (list, tuple)) else [sub] if sub is not None else []:
            if s is not layer and hasattr(s, "call"):
                yield from _layers(s)


def _user_code(model):
    """Why the model's steps cannot be planned (a layer running user code that has not opted in), or ''."""
    for layer in _layers(model):
        if getattr(layer, "plannable", False):
            continue
        impl = next(c for c in type(layer).__mro__ if "call" in vars(c))
        if not (impl.__module__ == "pydl" or impl.__module__.startswith("pydl.")):
            return (f"layer '{layer.name}' ({type(layer).__name__}) runs its own Python code in call(); set "
                    f"plannable = True on it if call() is a pure function of its inputs and weights")
        if type(layer).__name__ == "Lambda":
            return (f"Lambda layer '{layer.name}' runs a Python function; set plannable = True on it if the "
                    f"function is a pure function of its inputs")
    return ""


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
