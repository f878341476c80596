"""Properties: pydl's indexing vs NumPy over random shapes, dtypes, views and arguments (see fuzzops)."""
from hypothesis import given, strategies as st

from propcheck import check


@given(st.data())
def test_getitem(data):
    check(data, "getitem")


@given(st.data())
def test_setitem(data):
    check(data, "setitem")
