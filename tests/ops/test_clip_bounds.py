"""clip's bound check lives in the op (csrc/ops/clip.cpp): min > max is a ValueError naming both bounds as written,
on every path (float tensor, integer tensor with int or float bounds, bools)."""
import re

import numpy as np
import pytest

import pydl


@pytest.mark.parametrize("values,lo,hi,text", [
    ([0.5, 2.0], 2.0, 1.0, "min (2.0) is greater than max (1.0)"),
    ([1, 5], 3, 2, "min (3) is greater than max (2)"),
    ([1, 5], 2.5, 2, "min (2.5) is greater than max (2)"),
    (np.array([1, 5], np.uint8), 2**70, 0, "min (1180591620717411303424) is greater than max (0)"),
    ([True, False], True, False, "min (True) is greater than max (False)"),
])
def test_min_above_max_is_a_value_error(values, lo, hi, text):
    x = pydl.tensor(values)
    with pytest.raises(ValueError, match=re.escape("clip: " + text)):
        pydl.clip(x, lo, hi)
    with pytest.raises(ValueError, match=re.escape("clip: " + text)):
        x.clip(lo, hi)


def test_equal_bounds_and_one_sided_bounds_are_fine():
    assert pydl.clip(pydl.tensor([1.0, 5.0]), 2.0, 2.0).tolist() == [2.0, 2.0]
    assert pydl.clip(pydl.tensor([1, 5]), None, 3).tolist() == [1, 3]
    assert pydl.clip(pydl.tensor([1, 5]), -(2**70), None).tolist() == [1, 5]   # dropped: below int64's range
    got = pydl.clip(pydl.tensor([1, 5]), None, None)
    assert got.tolist() == [1, 5] and got.dtype == pydl.int64
