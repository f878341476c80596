"""Inputs found by tests/fuzz/fuzz_loaders.py that once escaped as something other than a clean error."""
import pathlib

import pytest

from pydl.models import load_model
from pydl.saving import CorruptFileError
from saving_files import small_model

FINDINGS = sorted((pathlib.Path(__file__).parent / "fuzz_findings").glob("*.pydl"))


@pytest.mark.parametrize("path", FINDINGS, ids=[p.stem for p in FINDINGS])
def test_fuzz_finding_is_corrupt_file_error(path):
    # negative-seek-oserror: a member offset before the file start (OSError);
    # deflate-zlib-error: damaged deflate data in a member (zlib.error)
    with pytest.raises(CorruptFileError):
        load_model(str(path))
    with pytest.raises(CorruptFileError):
        small_model().load_weights(str(path))
