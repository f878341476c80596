"""The message for `import pydl` when the compiled extension pydl._C cannot be imported."""
import glob
import os
import sys


def explain(folder, error):
    built = glob.glob(os.path.join(folder, "_C*.so")) + glob.glob(os.path.join(folder, "_C*.pyd"))
    source = os.path.exists(os.path.join(folder, "..", "pyproject.toml"))
    if not built and source:
        return (f"pydl was imported from its source tree ({folder}), where the compiled extension pydl._C is not "
                f"built. Run Python from another folder to use the installed pydl (plain `pytest`, not "
                f"`python -m pytest`, from the repository root), or build it here: `pip install -e . "
                f"--no-build-isolation` (README, Developing)")
    if not built:
        return f"pydl's compiled extension pydl._C is missing from {folder}: reinstall pydl"
    return (f"pydl's compiled extension in {folder} does not load in this Python {sys.version.split()[0]} "
            f"({error}); rebuild it for this interpreter: `pip install -e . --no-build-isolation`")
