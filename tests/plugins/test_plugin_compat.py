"""requires_pydl checks: with `packaging`, and with the fallback used when it is not installed."""
import sys

import pytest

from pydl.plugins.compat import version_matches

CASES = [(">=0.1", "0.1.0", True), (">=0.1,<0.2", "0.2.0", False), (">=0.1, <0.2", "0.1.9", True),
         ("==0.1", "0.1.0", True), ("==1.0.*", "1.0.3", True), ("==1.0.*", "1.5", False), ("!=0.1.*", "0.1.2", False),
         ("!=0.1.*", "0.2", True), ("<1", "0.9.9", True), (">0.1", "0.1.0", False), (">=99", "0.1.0", False),
         ("<=0.1", "0.1", True), ("!=0.1", "0.1.0", False), ("", "0.1.0", True)]


@pytest.fixture(params=["packaging", "fallback"])
def mode(request, monkeypatch):
    if request.param == "packaging":
        pytest.importorskip("packaging")
    else:
        monkeypatch.setitem(sys.modules, "packaging.specifiers", None)  # makes the import fail
    return request.param


@pytest.mark.parametrize("spec,version,expected", CASES)
def test_version_matches(mode, spec, version, expected):
    assert version_matches(spec, version) is expected


def test_malformed_spec_raises(mode):
    with pytest.raises(ValueError):
        version_matches("about 1", "0.1.0")
