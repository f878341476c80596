"""Properties: pydl's shapes vs NumPy over random shapes, dtypes, views and arguments (see fuzzops)."""
from hypothesis import given, strategies as st

from propcheck import check


@given(st.data())
def test_shape(data):
    check(data, "shape")
