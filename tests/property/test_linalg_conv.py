"""Properties: pydl's linalg and conv vs NumPy over random shapes, dtypes, views and arguments (see fuzzops)."""
from hypothesis import given, strategies as st

from propcheck import check


@given(st.data())
def test_matmul(data):
    check(data, "matmul")


@given(st.data())
def test_gemm(data):
    check(data, "gemm")


@given(st.data())
def test_conv(data):
    check(data, "conv")
