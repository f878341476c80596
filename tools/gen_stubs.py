"""pydl/_C.pyi, the typed surface of the compiled core, generated from the built module with pybind11-stubgen.

    python tools/gen_stubs.py           # rewrite pydl/_C.pyi after changing the bindings (and rebuilding)
    python tools/gen_stubs.py --check   # CI: exit 1, with the diff, when the checked-in stub is not current

The module used is the one built into this checkout (pydl/_C*.so) when there is one, else the installed pydl (CI
installs it first). Needs pybind11-stubgen (the `dev` extra in pyproject.toml).
"""
import difflib
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
STUB = ROOT / "pydl" / "_C.pyi"
# pybind11-stubgen reads enum default values such as `<DType.float32: 4>` from signatures; this says where DType lives.
STUBGEN_ARGS = ["--enum-class-locations", "DType:pydl._C", "--exit-code"]


def _env():
    """The environment that imports the right pydl: this checkout's when it holds a built module."""
    env = dict(os.environ)
    if any((ROOT / "pydl").glob("_C*.so")) or any((ROOT / "pydl").glob("_C*.pyd")):
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def generate():
    """(stub text, path of the module it came from)."""
    env = _env()
    with tempfile.TemporaryDirectory() as out:  # cwd too, so a checkout without a build is never imported by ''
        where = subprocess.run([sys.executable, "-c", "import pydl._C as m; print(m.__file__)"], cwd=out, env=env,
                               capture_output=True, text=True)
        if where.returncode != 0:
            sys.exit(f"cannot import pydl._C (build it first: see README, Developing):\n{where.stderr.strip()}")
        run = subprocess.run([sys.executable, "-m", "pybind11_stubgen", "pydl._C", "-o", out] + STUBGEN_ARGS,
                             cwd=out, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"pybind11-stubgen failed (pip install pybind11-stubgen):\n{run.stdout}{run.stderr}")
        return (pathlib.Path(out) / "pydl" / "_C.pyi").read_text(), where.stdout.strip()


def shipped(module_file):
    """The typing files missing beside an installed module (a wheel must carry py.typed and _C.pyi)."""
    folder = pathlib.Path(module_file).parent
    if folder == ROOT / "pydl":
        return []
    return [name for name in ("py.typed", "_C.pyi") if not (folder / name).is_file()]


def main(argv):
    text, module_file = generate()
    if "--check" not in argv:
        STUB.write_text(text)
        print(f"wrote {STUB.relative_to(ROOT)} ({text.count(chr(10))} lines) from {module_file}")
        return 0
    current = STUB.read_text() if STUB.is_file() else ""
    missing = shipped(module_file)
    for name in missing:
        print(f"FAIL the installed pydl ({pathlib.Path(module_file).parent}) lacks {name}: check the wheel's contents")
    if text == current:
        print(f"{STUB.relative_to(ROOT)} is current ({text.count(chr(10))} lines, from {module_file})")
        return 1 if missing else 0
    diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(), "pydl/_C.pyi (checked in)",
                                     "pydl/_C.pyi (from the module)", lineterm="", n=1))
    print("\n".join(diff[:80] + ([f"... {len(diff) - 80} more diff lines"] if len(diff) > 80 else [])))
    print("FAIL pydl/_C.pyi is not current: run `python tools/gen_stubs.py` and commit the result")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
