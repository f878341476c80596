"""tools/check_imports.py (CI's import contract) finds what it is meant to find, on tiny fake trees."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_imports", ROOT / "tools" / "check_imports.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def write(root, files):
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_a_module_level_cycle_is_reported_and_a_deferred_import_is_not(tmp_path):
    write(tmp_path, {"pydl/__init__.py": "", "pydl/a.py": "from . import b\n", "pydl/c.py": "",
                     "pydl/b.py": "from .sub import d\ndef f():\n    from . import c\n",
                     "pydl/sub/__init__.py": "", "pydl/sub/d.py": "from .. import a\n",
                     "pydl/e.py": "import typing\nif typing.TYPE_CHECKING:\n    from . import a\n"})
    graph = check.import_graph(check.scan(tmp_path))
    assert graph["pydl.b"] == ["pydl.sub.d"] and graph["pydl.e"] == []
    assert check.find_cycles(graph) == [["pydl.a", "pydl.b", "pydl.sub.d", "pydl.a"]]
    write(tmp_path, {"pydl/sub/d.py": "def g():\n    from .. import a\n"})
    assert check.find_cycles(check.import_graph(check.scan(tmp_path))) == []


def test_only_bridges_import_the_core(tmp_path):
    write(tmp_path, {"pydl/__init__.py": "from . import _C\n", "pydl/ops.py": "from ._C import add\n",
                     "pydl/layers/__init__.py": "", "pydl/layers/x.py": "def f():\n    from .. import _C\n",
                     "pydl/y.py": "import pydl._C as core\n"})
    assert check.core_importers(check.scan(tmp_path)) == {"pydl.layers.x": [2], "pydl.y": [1]}


def test_kernel_includes_of_the_op_layer(tmp_path):
    write(tmp_path, {"csrc/cpu/k.cpp": '#include "core/tensor.h"\n#include "ops/ops.h"\n',
                     "csrc/cuda/k.cu": '#include <cuda.h>\n', "csrc/ops/o.cpp": '#include "ops/ops.h"\n'})
    assert check.kernel_includes(tmp_path) == [(pathlib.Path("csrc/cpu/k.cpp"), 2)]


def test_this_repository_keeps_the_contract():
    modules = check.scan(ROOT)
    assert check.core_importers(modules) == {}
    assert check.find_cycles(check.import_graph(modules)) == []
