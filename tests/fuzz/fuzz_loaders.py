"""Coverage-guided fuzzing of the model-file loaders (atheris / libFuzzer).

Each input is written to a file and given to load_model and to load_weights (into a small built model). The only
acceptable outcomes are a loaded model or a clean, named error: CorruptFileError, or the plain ValueError of a
valid file that does not fit (weights for another model, a weights-only file given to load_model, a class name
the registry does not know). Any other exception, a crash, a hang (-timeout) or a memory blow-up (-rss_limit_mb)
is a finding; libFuzzer saves the input under -artifact_prefix.

    pip install atheris
    PYTHONPATH=. python tests/fuzz/fuzz_loaders.py -max_total_time=60 [-artifact_prefix=/tmp/fuzz/] [corpus_dir]

An input starting with byte 0 is a whole file; one starting with byte 1 names a seed file and one of its members
(next two bytes) and replaces that member's content with the rest, rebuilt into a valid ZIP (so mutations reach the
JSON schemas, the config rebuild and the containers instead of stopping at a CRC check).

Seeds (small valid pydl files: model and weights, npz and safetensors containers, Sequential and functional) are
generated into a temporary corpus when no corpus directory is given. PYDL_FUZZ_H5=1 adds a Keras HDF5 seed (the
HDF5 C library then parses fuzzed bytes: its crashes would be h5py/HDF5 findings, not pydl's).
"""
import os
import sys
import tempfile

import atheris

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "saving"))

with atheris.instrument_imports(include=["pydl.saving", "zipfile", "json"]):
    import json  # noqa: F401
    import zipfile  # noqa: F401

    import pydl  # noqa: F401
    from pydl.models import load_model
    from pydl.saving import CorruptFileError
    from pydl.saving.model_io import _needs_objects

import saving_files  # noqa: E402  (tests/saving/saving_files.py)

FIT_ERRORS = ("holds only weights", "is an HDF5 (Keras) file", "holds weights for", "in the model but", "weights in the model but",
              "is not built yet")


def write_seeds(directory):
    from pydl import layers as L
    from pydl.models import Model
    model = saving_files.small_model()
    x = L.Input(shape=(3,))
    functional = Model(x, L.Dense(2)(L.concatenate([L.Dense(2)(x), L.Dense(1, name="side")(x)])))
    functional.compile("sgd", "mse")
    seeds = {}
    for container in ("npz", "safetensors"):
        seeds[f"model-{container}"] = saving_files.save_bytes(model, container=container)
        seeds[f"weights-{container}"] = saving_files.save_bytes(model, weights_only=True, container=container)
        seeds[f"functional-{container}"] = saving_files.save_bytes(functional, container=container)
    if os.environ.get("PYDL_FUZZ_H5") == "1":
        import h5py
        path = os.path.join(directory, "keras.h5")
        with h5py.File(path, "w") as f:
            f.attrs["layer_names"] = [l.name.encode() for l in model.layers]
            for layer in model.layers:
                g = f.create_group(layer.name)
                g.attrs["weight_names"] = [n.encode() for n, _ in layer._named_weights()]
                for n, t in layer._named_weights():
                    g.create_dataset(n, data=t.numpy())
    _bases[:] = [saving_files.members(d) for _, d in sorted(seeds.items())]
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(b"\0" + data)
    for i, ms in enumerate(_bases):
        for j, (member, raw) in enumerate(sorted(ms.items())):
            with open(os.path.join(directory, f"member-{i}-{j}"), "wb") as f:
                f.write(bytes([1, i, j]) + raw)


_bases = []  # the seed files' members, for structured inputs


_scratch = tempfile.mkdtemp(prefix="pydl-fuzz-")
_path = os.path.join(_scratch, "input.pydl")
_target = None


def _clean(e):
    if isinstance(e, CorruptFileError) or _needs_objects(e):
        return True
    return type(e) is ValueError and any(s in str(e) for s in FIT_ERRORS)


def TestOneInput(data):
    global _target
    if _target is None:
        _target = saving_files.small_model()
    if data[:1] == b"\1" and len(data) >= 3 and _bases:
        ms = dict(_bases[data[1] % len(_bases)])
        names = sorted(ms)
        ms[names[data[2] % len(names)]] = data[3:]
        data = saving_files.build(ms)
    else:
        data = data[1:]
    with open(_path, "wb") as f:
        f.write(data)
    for load in (lambda: load_model(_path), lambda: _target.load_weights(_path)):
        try:
            load()
        except Exception as e:
            if not _clean(e):
                raise


def main():
    args, corpus = list(sys.argv), None
    if not any(os.path.isdir(a) for a in args[1:] if not a.startswith("-")):
        corpus = tempfile.mkdtemp(prefix="pydl-fuzz-corpus-")
        args.append(corpus)
    write_seeds(tempfile.mkdtemp(prefix="pydl-fuzz-seeds-") if corpus is None else corpus)
    defaults = {"-rss_limit_mb": "2048", "-timeout": "10", "-max_len": "65536"}
    args += [f"{k}={v}" for k, v in defaults.items() if not any(a.startswith(k + "=") for a in args)]
    atheris.Setup(args, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
