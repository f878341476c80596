"""How much a loader may read and allocate for one file, decided before anything is inflated or allocated.

A file may never make pydl allocate much more than its own size (a member may inflate at most `ratio` times its
stored size), nor more than `max_bytes` in all. The cap is generous (real models such as VGG16's ~528 MB load under
it) and can be raised per call (`load_model(..., max_bytes=...)`) or per process (env PYDL_MAX_LOAD_BYTES).
"""
import os
from dataclasses import dataclass

from .errors import CorruptFileError

DEFAULT_MAX_BYTES = 16 * 1024 ** 3   # all members' uncompressed bytes together
DEFAULT_RATIO = 100                  # deflated weights shrink ~1.1x, JSON ~10x; zeros ~1000x (a bomb)
RATIO_FREE_BYTES = 1 << 20           # members this small may compress better (tiny JSON documents)
MAX_MEMBERS = 1024                   # a pydl file has about six
MAX_JSON_BYTES = 64 * 1024 ** 2
MAX_JSON_DEPTH = 100                 # a nested functional model's config is ~10 levels per model
MAX_DIMS = 32


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    ratio: int = DEFAULT_RATIO


def limits(max_bytes=None):
    """The limits for one load: the keyword, else env PYDL_MAX_LOAD_BYTES, else the default cap."""
    if max_bytes is None:
        env = os.environ.get("PYDL_MAX_LOAD_BYTES")
        if env:
            try:
                max_bytes = int(float(env))
            except ValueError:
                raise ValueError(f"PYDL_MAX_LOAD_BYTES must be a number of bytes, got {env!r}") from None
        else:
            max_bytes = DEFAULT_MAX_BYTES
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}")
    return Limits(max_bytes=max_bytes)


def check_member_size(path, name, stored, declared, lim, budget_left):
    """Refuses a member whose declared size is beyond the remaining budget or the ratio limit (before reading it)."""
    if declared > budget_left:
        raise CorruptFileError(f"'{path}': member {name} declares {declared} uncompressed bytes, more than the "
                               f"{lim.max_bytes}-byte load limit allows (raise it with max_bytes= or "
                               "PYDL_MAX_LOAD_BYTES if the file is trusted)")
    if declared > RATIO_FREE_BYTES and declared > lim.ratio * max(stored, 1):
        raise CorruptFileError(f"'{path}': member {name} would inflate {stored} stored bytes to {declared} "
                               f"(more than {lim.ratio}x): refusing a likely zip bomb")
