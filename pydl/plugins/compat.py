"""Does a plugin's `requires_pydl` specifier (PEP 440, e.g. ">=0.1,<0.3") accept this pydl's version?

`packaging` does it properly when installed; otherwise a small fallback understands comma-joined clauses with
>=, <=, >, <, ==, != and a trailing ".*" on == / != (enough for the specifiers plugins actually write).
"""
import re

_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([0-9][0-9a-zA-Z.+!*-]*)\s*$")


def _release(version, strip_zeros=True):
    """The numeric release tuple of a version, ignoring pre/post/dev/local parts: '0.2.0rc1+g12' -> (0, 2)."""
    m = re.match(r"^\s*v?(\d+(?:\.\d+)*)", str(version))
    if not m:
        raise ValueError(f"cannot read version {version!r}")
    parts = [int(p) for p in m.group(1).split(".")]
    while strip_zeros and len(parts) > 1 and parts[-1] == 0:  # 1.0 == 1.0.0
        parts.pop()
    return tuple(parts)


def _fallback_matches(spec, version):
    have = _release(version)
    for clause in filter(str.strip, spec.split(",")):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"cannot check {clause.strip()!r} without the 'packaging' package")
        op, want = m.groups()
        if want.endswith(".*"):
            if op not in ("==", "!="):
                raise ValueError(f"'{op}' does not take a wildcard: {clause.strip()!r}")
            prefix = _release(want[:-2], strip_zeros=False)  # "==1.0.*": 1.0.x, not 1.x
            padded = have + (0,) * max(0, len(prefix) - len(have))
            ok = (padded[:len(prefix)] == prefix) == (op == "==")
        else:
            w = _release(want)
            ok = {">=": have >= w, "<=": have <= w, ">": have > w, "<": have < w,
                  "==": have == w, "!=": have != w}[op]
        if not ok:
            return False
    return True


def version_matches(spec, version):
    """True when `version` satisfies `spec` (an empty spec accepts anything); ValueError for a malformed spec."""
    spec = (spec or "").strip()
    if not spec:
        return True
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:
        return _fallback_matches(spec, version)
    try:
        return SpecifierSet(spec).contains(str(version), prereleases=True)
    except InvalidSpecifier as e:
        raise ValueError(f"invalid requires_pydl {spec!r}: {e}") from None
