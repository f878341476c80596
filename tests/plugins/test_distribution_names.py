"""pydl's distribution is `pydl-core` (the PyPI name `pydl` is an unrelated package): every plugin in the repository
requires it by that name with a bounded range, and its requires_pydl states the same range."""
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; the check is the same on every version

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))


def test_core_distribution_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "pydl-core"
    assert project["scripts"]["pydl"] == "pydl.cli:main"


@pytest.mark.skipif(not PLUGINS, reason="no plugins in this checkout")
@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_plugins_require_pydl_core_with_a_bounded_range(plugin):
    deps = tomllib.loads((plugin / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower(): d for d in deps}
    assert "pydl" not in names, f"{plugin.name} depends on 'pydl', the unrelated PyPI package"
    spec = names["pydl-core"][len("pydl-core"):]
    assert ">=" in spec and "<" in spec.replace("<=", ""), spec
    (source,) = plugin.glob("src/*/plugin.py")
    assert f'requires_pydl = "{spec}"' in source.read_text()
