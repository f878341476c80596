"""`import pydl` from a source tree whose extension is not built says so, instead of Python's "circular import"."""
import shutil
import subprocess
import sys
from pathlib import Path

import pydl


def test_import_from_an_unbuilt_source_tree(tmp_path):
    src = Path(pydl.__file__).parent
    shutil.copytree(src, tmp_path / "pydl", ignore=shutil.ignore_patterns("_C*.so", "_C*.pyd", "__pycache__"))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'pydl-core'\n")
    r = subprocess.run([sys.executable, "-c", "import pydl"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert "circular import" not in last and "imported from its source tree" in last
    assert "pip install -e . --no-build-isolation" in last
