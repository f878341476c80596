"""Data sources in order of preference: the first one that loads wins, and why each earlier one did not is kept
(for recipes that take "the best data this machine has": a cached or downloadable file, else what packages ship)."""

UNAVAILABLE = (OSError, ValueError, ImportError)  # not cached and no network, a bad file, a package missing


def first_available(sources):
    """sources: ordered (name, zero-argument loader) pairs. Returns (the first loader's result that did not raise
    one of UNAVAILABLE, its name, ["name: reason", ...] for those skipped); the last source's error propagates."""
    sources = list(sources)
    skipped = []
    for i, (name, load) in enumerate(sources):
        try:
            return load(), name, skipped
        except UNAVAILABLE as e:
            if i == len(sources) - 1:
                raise
            skipped.append(f"{name}: {(str(e).splitlines() or [type(e).__name__])[0][:120]}")
    raise ValueError("first_available: no data sources given")
