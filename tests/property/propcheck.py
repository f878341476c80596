"""The one assertion every property makes: pydl gives NumPy's answer or a clean exception of NumPy's kind.

Cases that hit a bug with a name (issue #17's list, or one this fuzzer found: fuzzops.KNOWN / NEW) are left to
their own xfail tests in test_known_issues.py, so these properties fail only on something new.
"""
from hypothesis import assume

import pydl
from fuzzcheck import classify, reproducer
from fuzzgen import HypSrc
from fuzzops import FAMILIES, KNOWN, NEW, explain

CLEAN = ("ok", "raised:")


def check(data, family):
    case = FAMILIES[family](HypSrc(data), hostile=False)
    outcome, detail = classify(case, pydl)
    if outcome.startswith(CLEAN):
        return
    assume(explain(case, outcome, detail) not in (KNOWN | NEW))   # a fixed key's finding is a regression: fail
    raise AssertionError(f"{outcome}: {detail}\nreproducer:\n{reproducer(case, outcome, detail)}")
