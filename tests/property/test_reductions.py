"""Properties: pydl's reductions vs NumPy over random shapes, dtypes, views and arguments (see fuzzops)."""
from hypothesis import given, strategies as st

from propcheck import check


@given(st.data())
def test_reduction(data):
    check(data, "reduction")


@given(st.data())
def test_softmax(data):
    check(data, "softmax")
