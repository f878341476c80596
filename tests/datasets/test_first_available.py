"""pydl.datasets.first_available: the first source that loads wins; earlier failures are reported, the last one
propagates, and only 'unavailable' errors fall through."""
import pytest

from pydl.datasets import first_available


def fails(exc):
    def load():
        raise exc
    return load


def test_first_that_loads_wins_with_reasons_for_the_skipped():
    result, name, skipped = first_available([("a", fails(OSError("not cached\nmore"))), ("b", fails(ImportError())),
                                             ("c", lambda: 42), ("d", lambda: 7)])
    assert (result, name) == (42, "c")
    assert skipped == ["a: not cached", "b: ImportError"]


def test_the_last_error_propagates_and_other_errors_are_not_swallowed():
    with pytest.raises(ValueError, match="bad file"):
        first_available([("a", fails(OSError("x"))), ("b", fails(ValueError("bad file")))])
    with pytest.raises(KeyError):
        first_available([("a", fails(KeyError("bug"))), ("b", lambda: 1)])
    with pytest.raises(ValueError, match="no data sources"):
        first_available([])
