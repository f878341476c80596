"""Properties: pydl's elementwise vs NumPy over random shapes, dtypes, views and arguments (see fuzzops)."""
from hypothesis import given, strategies as st

from propcheck import check


@given(st.data())
def test_binary(data):
    check(data, "binary")


@given(st.data())
def test_inplace(data):
    check(data, "inplace")


@given(st.data())
def test_where(data):
    check(data, "where")


@given(st.data())
def test_unary(data):
    check(data, "unary")
