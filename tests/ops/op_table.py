"""The shared op table: one OpInfo row per op (see DESIGN.md, "One op", step 5).

A row says how to call the op in pydl, how NumPy computes it in float64, which
inputs to feed it (domains chosen away from non-differentiable points), which
bad inputs must raise, and on which devices it runs.  test_op_table.py runs
every row on the CPU; tests/cuda/test_cuda_parity.py runs the rows whose
`devices` name "cuda" on both devices.  The elementwise rows follow the core's
op table (pydl.ops.elementwise_ops(), from csrc/core/elementwise_ops.def): each
of its ops needs one row here, and test_every_core_op_has_a_test_row checks it.
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

import pydl


@dataclass
class Sample:
    arrays: list                      # float inputs as float64, others (bool/int64) as is
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self):          # 0-d results of arithmetic are numpy scalars: make arrays
        self.arrays = [np.asarray(a) for a in self.arrays]


@dataclass
class Bad:
    arrays: list
    kwargs: dict
    exc: type
    needles: tuple = ()               # substrings the error message must contain


@dataclass
class OpInfo:
    name: str
    fn: Callable                      # fn(*tensors, **kwargs) -> Tensor (or list for split)
    ref: Callable                     # ref(*float64 arrays, **kwargs) -> ndarray (or list)
    gens: Optional[list] = None       # per-input generators for elementwise rows
    nin: int = 1                      # number of inputs (-1: a sequence)
    differentiable: bool = True
    samples: Optional[Callable] = None        # samples(rng) -> [Sample]  (forward)
    grad_samples: Optional[Callable] = None   # small samples for gradcheck
    gfn: Optional[Callable] = None            # fn used by gradcheck when fn returns a list
    out_dtype: Optional[str] = None           # None: same as the float input dtype
    terms: Callable = lambda s: 1             # terms accumulated per output (widens float atol)
    bad: list = field(default_factory=list)
    devices: tuple = ("cpu", "cuda")          # where the op runs (the CUDA parity tests take "cuda" rows)
    noncontig: bool = True                    # accepts non-contiguous inputs (in-place ops: not their target)
    const_args: tuple = ()                    # float inputs that gradcheck holds constant (targets, ...)


def P(name, **fixed):
    """Late-bound pydl function, so a missing op fails its own rows only."""
    return lambda *a, **k: getattr(pydl, name)(*a, **fixed, **k)


# ---- input generators: gen(rng, shape) -> float64 (or bool) ndarray -------------
def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def pos(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def nonzero(rng, shape):          # |x| >= 0.25: away from kinks of abs/relu and poles
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.25, 2.0, shape)


def grid(offset):                 # distinct values k*0.25 + offset: no ties, even across inputs
    def gen(rng, shape):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.25 - 0.25 * (n // 2) + offset).reshape(shape)
    return gen


def small_ints(rng, shape):       # many ties, so eq/le/... see both outcomes
    return rng.integers(-2, 3, shape).astype(np.float64)


def away_from_clip(rng, shape):   # |x| never within 0.05 of the clip bounds +-0.5
    x = rng.uniform(-2.0, 2.0, shape)
    return np.where(np.abs(np.abs(x) - 0.5) < 0.05, x * 1.3, x)


def cond(rng, shape):
    return rng.random(shape) < 0.5


# ---- shapes --------------------------------------------------------------------
SHAPES = [(), (0,), (1,), (7,), (3, 5), (2, 1, 4)]
PAIRS = [(s, s) for s in SHAPES] + [((3, 1), (1, 4)), ((5,), (2, 3, 5)), ((0, 3), (1, 3)),
                                   ((), (3, 5)), ((2, 1, 4), (3, 1))]
TRIPLES = [(s, s, s) for s in SHAPES] + [((3, 1), (1, 4), (3, 4)), ((4,), (2, 1), ())]
GRAD_SHAPES = {1: [(), (3,), (2, 3)],
               2: [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((3,), (2, 3)), ((), (2, 2))],
               3: [((2, 3),) * 3, ((2, 1), (1, 3), (3,))]}


def elementwise_samples(row, rng, small=False):
    if small:
        shape_sets = GRAD_SHAPES[row.nin]
        shape_sets = [(s,) if row.nin == 1 else s for s in shape_sets]
    else:
        shape_sets = {1: [(s,) for s in SHAPES], 2: PAIRS, 3: TRIPLES}[row.nin]
    return [Sample([g(rng, s) for g, s in zip(row.gens, shapes)], dict(kw))
            for shapes in shape_sets for kw in row.kwarg_sets]


def unary(name, ref, gen=real, kwarg_sets=({},), **kw):
    row = OpInfo(name, P(name), ref, gens=[gen], nin=1, **kw)
    row.kwarg_sets = list(kwarg_sets)
    return row


def binary(name, ref, gens=(real, real), **kw):
    bad = [Bad([np.zeros((2, 3)), np.zeros((4,))], {}, pydl.ShapeError, ("(2, 3)", "(4,)"))]
    row = OpInfo(name, P(name), ref, gens=list(gens), nin=2, bad=bad, **kw)
    row.kwarg_sets = [{}]
    return row


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


CORE_OPS = {op["name"]: op for op in pydl.ops.elementwise_ops()}

ELEMENTWISE = [
    binary("add", np.add), binary("sub", np.subtract), binary("mul", np.multiply),
    binary("div", np.divide, gens=(real, nonzero)),
    binary("pow", np.power, gens=(pos, real)),
    binary("maximum", np.maximum, gens=(grid(0.0), grid(0.125))),
    binary("minimum", np.minimum, gens=(grid(0.0), grid(0.125))),
    # every comparison of the core table: NumPy's ufunc of the same name (its alias), small ints for ties
    *[binary(n, getattr(np, op["alias"] or n), gens=(small_ints, small_ints), differentiable=False,
             out_dtype="bool") for n, op in CORE_OPS.items() if op["kind"] == "comparison"],
    unary("neg", np.negative), unary("abs", np.abs, gen=nonzero),
    unary("exp", np.exp), unary("log", np.log, gen=pos), unary("sqrt", np.sqrt, gen=pos),
    unary("square", np.square), unary("reciprocal", np.reciprocal, gen=nonzero),
    unary("sigmoid", _sigmoid), unary("tanh", np.tanh),
    unary("relu", lambda x: np.maximum(x, 0.0), gen=nonzero),
    unary("leaky_relu", lambda x, alpha=0.2: np.where(x > 0, x, alpha * x), gen=nonzero,
          kwarg_sets=({}, {"alpha": 0.05})),
    unary("elu", lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)), gen=nonzero,
          kwarg_sets=({}, {"alpha": 0.5})),
    unary("softplus", lambda x: np.logaddexp(0.0, x)),
    unary("gelu", lambda x, approximate=False: 0.5 * x * (1.0 + (
          np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)) if approximate
          else np.vectorize(math.erf, otypes=[float])(x / np.sqrt(2.0)))), kwarg_sets=({}, {"approximate": True})),
    unary("silu", lambda x: x * _sigmoid(x)),
    unary("clip", lambda x, min=None, max=None: np.clip(x, min, max), gen=away_from_clip,
          kwarg_sets=({"min": -0.5, "max": 0.5}, {"min": -0.5}, {"max": 0.5})),
]
_where = OpInfo("where", P("where"), np.where, gens=[cond, real, real], nin=3,
                bad=[Bad([np.ones((2, 3), bool), np.zeros((4,)), np.zeros((2, 3))], {},
                         pydl.ShapeError, ("(2, 3)", "(4,)"))])
_where.kwarg_sets = [{}]
ELEMENTWISE.append(_where)
for _row in ELEMENTWISE:
    _row.samples = (lambda r: lambda rng: elementwise_samples(r, rng))(_row)
    _row.grad_samples = (lambda r: lambda rng: elementwise_samples(r, rng, small=True))(_row)


# ---- reductions ----------------------------------------------------------------
AXES = [None, 0, 1, -1, (0, 2), (-1, 0)]


def reduction(name, ref, gen=real, empty=False, index=False, ddof=False):
    def samples(rng):
        out = []
        axes = [None, 0, 1, -1] if index else AXES
        for axis in axes:
            for keepdims in ([False] if index and axis is None else [False, True]):
                out.append(Sample([gen(rng, (2, 3, 4))], {"axis": axis, "keepdims": keepdims}))
        out += [Sample([gen(rng, (7,))], {"axis": a}) for a in (None, 0, -1)]
        out += [Sample([gen(rng, (1,))], {"axis": 0}), Sample([gen(rng, ())], {})]
        if ddof:
            out.append(Sample([gen(rng, (3, 5))], {"axis": 1, "ddof": 1}))
        if empty:
            out += [Sample([gen(rng, (0, 3))], {"axis": a}) for a in (None, 0, 1)]
        return out

    def grad_samples(rng):
        kws = [{}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": (0, 1)}]
        if ddof:
            kws.append({"axis": 0, "ddof": 1})
        return [Sample([gen(rng, (2, 3))], k) for k in kws]

    def terms(s):
        return s.arrays[0].size
    bad = [Bad([np.zeros((2, 3))], {"axis": a}, IndexError, ()) for a in (2, -3)]
    if not index:
        bad.append(Bad([np.zeros((2, 3))], {"axis": (0, 2)}, IndexError, ()))
    return OpInfo(name, P(name), ref, samples=samples, grad_samples=grad_samples, terms=terms,
                  differentiable=not index, out_dtype="int64" if index else None, bad=bad)


REDUCTIONS = [
    reduction("sum", np.sum, empty=True), reduction("mean", np.mean),
    reduction("max", np.max, gen=grid(0.0)), reduction("min", np.min, gen=grid(0.0)),
    reduction("argmax", np.argmax, gen=grid(0.0), index=True),
    reduction("argmin", np.argmin, gen=grid(0.0), index=True),
    reduction("var", np.var, ddof=True), reduction("std", np.std, ddof=True),
]


# ---- softmax family ------------------------------------------------------------
def _log_softmax(x, axis=-1):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _softmax_samples(rng):
    return [Sample([real(rng, s)], {"axis": a})
            for s, axes in [((7,), (0, -1)), ((3, 5), (0, -1)), ((2, 3, 4), (0, 1, -1)),
                            ((1,), (0,)), ((0, 3), (-1,))] for a in axes]


def _softmax_grad_samples(rng):
    return [Sample([real(rng, (2, 3))], {"axis": a}) for a in (0, -1)]


SOFTMAX = [
    OpInfo("softmax", P("softmax"), lambda x, axis=-1: np.exp(_log_softmax(x, axis)),
           samples=_softmax_samples, grad_samples=_softmax_grad_samples,
           bad=[Bad([np.zeros((2, 3))], {"axis": 2}, IndexError, ())]),
    OpInfo("log_softmax", P("log_softmax"), _log_softmax,
           samples=_softmax_samples, grad_samples=_softmax_grad_samples,
           bad=[Bad([np.zeros((2, 3))], {"axis": -3}, IndexError, ())]),
]


# ---- matmul --------------------------------------------------------------------
MATMUL_SHAPES = [((5,), (5,)), ((3, 4), (4,)), ((4,), (4, 3)), ((3, 4), (4, 5)),
                 ((17, 33), (33, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((0, 4), (4, 3)), ((3, 0), (0, 4)),
                 ((1, 1), (1, 1)), ((1, 5), (5, 1)), ((2, 0, 3), (3, 2))]
MATMUL_GRAD_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                      ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 2))]


def _mm_samples(shapes):
    return lambda rng: [Sample([real(rng, a), real(rng, b)]) for a, b in shapes]


MATMUL = [OpInfo(
    "matmul", P("matmul"), np.matmul, nin=2, samples=_mm_samples(MATMUL_SHAPES),
    grad_samples=_mm_samples(MATMUL_GRAD_SHAPES), terms=lambda s: s.arrays[0].shape[-1],
    bad=[Bad([np.zeros((2, 3)), np.zeros((4, 5))], {}, pydl.ShapeError, ("(2, 3)", "(4, 5)")),
         Bad([np.zeros((3,)), np.zeros((4,))], {}, pydl.ShapeError, ("(3,)", "(4,)")),
         Bad([np.zeros((2, 3, 4)), np.zeros((3, 4, 5))], {}, pydl.ShapeError,
             ("(2, 3, 4)", "(3, 4, 5)"))])]


# ---- shape / indexing ops --------------------------------------------------------
def _cat_samples(rng):
    return [Sample([real(rng, (2, 3)), real(rng, (4, 3))], {"axis": 0}),
            Sample([real(rng, (2, 3)), real(rng, (2, 1)), real(rng, (2, 0))], {"axis": 1}),
            Sample([real(rng, (2, 1, 3)), real(rng, (2, 2, 3))], {"axis": -2}),
            Sample([real(rng, (4,))], {})]


def _stack_samples(rng):
    return [Sample([real(rng, (2, 3)), real(rng, (2, 3))], {"axis": a}) for a in (0, 1, 2, -1)] + \
           [Sample([real(rng, ()), real(rng, ()), real(rng, ())], {})]


def _split_samples(rng):
    return [Sample([real(rng, (6, 2))], {"indices_or_sections": 3, "axis": 0}),
            Sample([real(rng, (2, 6))], {"indices_or_sections": [1, 4], "axis": 1}),
            Sample([real(rng, (2, 5))], {"indices_or_sections": [2], "axis": -1}),
            Sample([real(rng, (4,))], {"indices_or_sections": 1})]


def _split_weighted(x, **kw):     # scalar-free composite so every piece gets a distinct grad
    parts = pydl.split(x, **kw)
    return pydl.concatenate([p * float(i + 1) for i, p in enumerate(parts)], axis=kw.get("axis", 0))


def _pad_samples(rng):
    return [Sample([real(rng, (3,))], {"pad_width": 2}),
            Sample([real(rng, (2, 3))], {"pad_width": (1, 2)}),
            Sample([real(rng, (2, 3))], {"pad_width": [(0, 1), (2, 0)], "value": 1.5}),
            Sample([real(rng, (0, 2))], {"pad_width": 1})]


def _take_samples(rng):
    x = real(rng, (3, 4))
    return [Sample([x, np.array([[1, 11], [0, 5]])], {}),
            Sample([x, np.array([2, 0, 2, -1])], {"axis": 1}),
            Sample([x, np.array([1])], {"axis": 0}),
            Sample([real(rng, (5,)), np.array([4, 0, 0, 3])], {"axis": 0}),
            Sample([x, np.zeros((0,), np.int64)], {"axis": 0})]


def _gather_samples(rng):
    x = real(rng, (3, 4))
    return [Sample([x, rng.integers(0, 3, (2, 4))], {"axis": 0}),
            Sample([x, rng.integers(0, 4, (3, 2))], {"axis": 1}),
            Sample([x, np.array([[0, 0, 3, 1, 1]] * 3)], {"axis": -1}),
            Sample([real(rng, (2, 3, 4)), rng.integers(0, 4, (2, 3, 2))], {"axis": 2})]


def _small(samples):              # gradcheck reuses the small, non-empty forward samples
    return lambda rng: [s for s in samples(rng) if all(0 < a.size <= 24 for a in s.arrays)]


SHAPE_OPS = [
    OpInfo("concatenate", lambda *ts, **k: pydl.concatenate(list(ts), **k),
           lambda *xs, axis=0: np.concatenate(xs, axis=axis), nin=-1,
           samples=_cat_samples, grad_samples=_small(_cat_samples),
           bad=[Bad([np.zeros((2, 3)), np.zeros((2, 4))], {"axis": 0}, pydl.ShapeError,
                    ("(2, 3)", "(2, 4)"))]),
    OpInfo("stack", lambda *ts, **k: pydl.stack(list(ts), **k),
           lambda *xs, axis=0: np.stack(xs, axis=axis), nin=-1,
           samples=_stack_samples, grad_samples=_small(_stack_samples),
           bad=[Bad([np.zeros((2, 3)), np.zeros((3, 2))], {}, pydl.ShapeError,
                    ("(2, 3)", "(3, 2)"))]),
    OpInfo("split", P("split"), np.split, samples=_split_samples,
           grad_samples=_small(_split_samples), gfn=_split_weighted,
           bad=[Bad([np.zeros((5,))], {"indices_or_sections": 2}, ValueError, ())]),
    OpInfo("pad", P("pad"), lambda x, pad_width, value=0.0: np.pad(
        x, pad_width, mode="constant", constant_values=value),
        samples=_pad_samples, grad_samples=_small(_pad_samples),
        bad=[Bad([np.zeros((2, 3))], {"pad_width": -1}, ValueError, ())]),
    OpInfo("take", P("take"), np.take, nin=2, samples=_take_samples,
           grad_samples=_small(_take_samples),
           bad=[Bad([np.zeros((2, 3)), np.array([6])], {}, IndexError, ()),
                Bad([np.zeros((2, 3)), np.array([3])], {"axis": 1}, IndexError, ())]),
    OpInfo("gather", lambda x, idx, axis: pydl.gather(x, axis, idx),
           lambda x, idx, axis: np.take_along_axis(x, idx, axis), nin=2,
           samples=_gather_samples, grad_samples=_small(_gather_samples),
           bad=[Bad([np.zeros((2, 3)), np.array([[0, 2, 1]])], {"axis": 0}, IndexError, ())]),
]

from op_table_nn import NN_OPS  # noqa: E402  (convolution, pooling, dropout, losses, optimizers, gemm_)

OPS = ELEMENTWISE + REDUCTIONS + SOFTMAX + MATMUL + SHAPE_OPS + NN_OPS
OPS_BY_NAME = {op.name: op for op in OPS}
