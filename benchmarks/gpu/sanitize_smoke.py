"""Small calls of every CUDA kernel family, shaped to reach each code path (vector bodies and tails, strided
layouts, group/block/split reductions, every GEMM tile shape and transpose, both index_add paths), for running
under compute-sanitizer (memcheck: out-of-bounds and misaligned accesses; racecheck: shared-memory races).

    compute-sanitizer --tool memcheck --error-exitcode 9 python3 benchmarks/gpu/sanitize_smoke.py [all|gemm|softmax]
"""
import sys

import numpy as np

import pydl
import pydl.cuda


def t(a):
    return pydl.tensor(np.asarray(a)).to("cuda")


def gemm_cases(rng):
    for (m, n, k) in [(1, 1, 1), (33, 17, 9), (130, 67, 45), (257, 129, 200)]:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        for x in (t(a), t(a.T.copy()).T):
            for y in (t(b), t(b.T.copy()).T):
                (x @ y).cpu()
                (x.astype("float64") @ y.astype("float64")).cpu()
    big = t(rng.standard_normal((3, 40, 36)).astype(np.float32))
    (big @ big.permute(0, 2, 1)).cpu()
    # the TF32 tensor-core kernel (opt-in), the split-K path (few tiles, long K) and both together
    long_k = (t(rng.standard_normal((70, 2000)).astype(np.float32)), t(rng.standard_normal((2000, 50)).astype(np.float32)))
    (long_k[0] @ long_k[1]).cpu()
    previous = pydl.cuda.set_tf32(True)
    try:
        for (m, n, k) in [(1, 1, 1), (130, 67, 45), (257, 129, 200)]:
            a = rng.standard_normal((m, k)).astype(np.float32)
            b = rng.standard_normal((k, n)).astype(np.float32)
            for x in (t(a), t(a.T.copy()).T):
                for y in (t(b), t(b.T.copy()).T):
                    (x @ y).cpu()
        (big @ big.permute(0, 2, 1)).cpu()
        (long_k[0] @ long_k[1]).cpu()
    finally:
        pydl.cuda.set_tf32(previous)


def softmax_cases(rng):
    """Row softmax and the fused cross-entropy (dense and sparse), forward and backward, through both schedules: a
    lane group per row (narrow) and a block per row (wide, shared memory between warps)."""
    for dtype in ("float32", "float64"):
        for shape in ((9, 3), (5, 700), (3, 5000), (2, 40000)):
            m = t(rng.standard_normal(shape).astype(dtype))
            m.requires_grad = True
            (pydl.softmax(m, axis=-1) * 2).sum().backward()
            (pydl.log_softmax(m, axis=-1) * 2).sum().backward()
            labels = t(rng.integers(0, shape[1], shape[0]))
            onehot = t(np.eye(shape[1], dtype=dtype)[rng.integers(0, shape[1], shape[0])])
            (pydl.nn_ops.softmax_cross_entropy(m, labels).sum()
             + pydl.nn_ops.softmax_cross_entropy(m, onehot).sum()).backward()
            m.grad.cpu()


def main(mode):
    rng = np.random.default_rng(0)
    pydl.manual_seed(0)
    if mode == "softmax":
        softmax_cases(rng)
        pydl.cuda.synchronize()
        return 0
    gemm_cases(rng)
    if mode == "gemm":
        pydl.cuda.synchronize()
        return 0
    softmax_cases(rng)
    x = t(rng.standard_normal((1001, 37)).astype(np.float32))
    y = t(rng.standard_normal((37,)).astype(np.float32))
    for r in (x + y, x[::3, 1:] * 2.0, pydl.exp(x.T), pydl.maximum(x, y), x > y, pydl.where(x > 0, x, y),
              pydl.clip(x, -0.5, 0.5), x.astype("int32"), x.astype("float64"), x.T.contiguous(), x[5:].clone(),
              pydl.tensor(np.arange(1003), device="cuda") ** 2, pydl.full((5, 7), 3, dtype="uint8", device="cuda")):
        r.cpu()
    for shape in ((9, 3), (5, 700), (3, 5000), (2, 40000)):
        m = t(rng.standard_normal(shape).astype(np.float32))
        for r in (m.sum(axis=1), m.max(axis=0), m.argmax(axis=1), m.argmin(), m.sum(), pydl.log_softmax(m, axis=0)):
            r.cpu()
    table = t(rng.standard_normal((50, 24)).astype(np.float32))
    table.requires_grad = True
    loss = (pydl.ops.take(table, rng.integers(0, 50, 3), axis=0).sum()
            + pydl.ops.take(table, rng.integers(0, 50, 500), axis=0).sum()
            + pydl.gather(table, 1, t(rng.integers(0, 24, (50, 5)))).sum())
    loss.backward()
    table.grad.cpu()
    table[[1, 2, 2]].cpu()
    for r in (pydl.rand(1001, device="cuda"), pydl.randn(77, dtype="float64", device="cuda"),
              pydl.randint(0, 9, (33,), device="cuda")):
        r.cpu()
    pydl.tensor(rng.standard_normal(3_000_001)).to("cuda").cpu()
    pydl.cuda.synchronize()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "all"))
