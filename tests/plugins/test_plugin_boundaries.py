"""Each plugin in plugins/ uses only pydl's public API: every pydl name it imports is in the `__all__` of its
module (so no pydl._C, no private module or name), and no attribute chain reaches a private name. One scan for
every plugin package found under plugins/*/src/ (CI's import contract, tools/check_imports.py, relies on it)."""
import ast
import importlib
import pathlib

import pytest

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"
SOURCES = {src.name: src for src in sorted(PLUGINS.glob("*/src/*")) if (src / "__init__.py").is_file()}
FILES = [(name, path) for name, src in SOURCES.items() for path in sorted(src.rglob("*.py"))]


def pydl_imports(path):
    """(line, dotted name) for every pydl module or name the file imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pydl":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "pydl":
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def pydl_attributes(path):
    """(line, dotted name) for attribute chains rooted at the name `pydl`, e.g. pydl._C.matmul."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute):
            parts, cur = [], node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id == "pydl":
                yield node.lineno, ".".join(["pydl"] + parts[::-1])


@pytest.mark.parametrize("plugin", list(SOURCES))
def test_the_scan_sees_the_plugin(plugin):
    files = [p for name, p in FILES if name == plugin]
    assert files and any(name for f in files for _, name in pydl_imports(f))


def test_the_scan_finds_every_plugin():
    assert {"pydl_vision", "pydl_nlp", "pydl_rl", "pydl_gan", "pydl_hello"} <= set(SOURCES)


def not_in_all(name):
    """Why dotted `name` ("pydl.layers.Dense", "pydl.ops") is not public, or None: the name must be listed in the
    `__all__` of the module it comes from (a module: in its parent package's `__all__`)."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        public = getattr(module, "__all__", None)
        if public is None:
            return f"{module.__name__} has no __all__"
        return None if parts[i] in public else f"{parts[i]!r} is not in {module.__name__}.__all__"
    return None  # "pydl" itself


@pytest.mark.parametrize("plugin,path", FILES, ids=lambda v: v if isinstance(v, str) else v.name)
def test_only_public_pydl(plugin, path):
    where = path.relative_to(SOURCES[plugin])
    bad = [(line, name) for line, name in pydl_imports(path)
           if any(part.startswith("_") for part in name.split(".")[1:])]
    assert not bad, f"{plugin}/{where} imports private pydl names: {bad}"
    private = [(line, name) for line, name in pydl_attributes(path)
               if any(p.startswith("_") and not p.startswith("__") for p in name.split(".")[1:])]
    assert not private, f"{plugin}/{where} reaches private pydl attributes: {private}"
    hidden = [(line, name, why) for line, name in pydl_imports(path) if (why := not_in_all(name))]
    assert not hidden, f"{plugin}/{where} imports pydl names outside pydl's __all__s: {hidden}"


def test_scan_catches_a_private_import(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("from pydl.models import _helpers\nimport pydl._C\nfrom pydl import ops\npydl._C.matmul(1, 2)\n")
    names = [n for _, n in pydl_imports(f)]
    assert names == ["pydl.models._helpers", "pydl._C", "pydl.ops"]
    assert "pydl._C.matmul" in [n for _, n in pydl_attributes(f)]
    assert not_in_all("pydl._C") == "'_C' is not in pydl.__all__"
    assert not_in_all("pydl.layers.Dense") is None and not_in_all("pydl.ops") is None
    assert not_in_all("pydl.layers.base") == "'base' is not in pydl.layers.__all__"
