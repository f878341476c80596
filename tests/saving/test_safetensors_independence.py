"""The weights container never depends on the optional safetensors package: pydl writes and reads the safetensors
layout itself, so a file saved where the package is installed loads where it is not, and the reverse (each side in
a subprocess that blocks the import); the package, when present, reads pydl's bytes and pydl reads the package's."""
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import pydl
from pydl import layers as L
from pydl.models import Sequential, load_model
from pydl.saving import CorruptFileError
from pydl.saving.containers import read_safetensors, write_safetensors

# the child imports the pydl this process imported (installed, or a built source tree), never an unbuilt checkout
PYDL_HOME = os.path.dirname(os.path.dirname(os.path.abspath(pydl.__file__)))

# argv: out path to save to, then paths to load; prints the loaded models' predictions as JSON
SCRIPT = """
import json, sys
sys.modules["safetensors"] = sys.modules["safetensors.numpy"] = None  # a base install: the import fails
try:
    import safetensors.numpy  # noqa: F401
    raise SystemExit("safetensors still importable")
except ImportError:
    pass
import numpy as np
import pydl
from pydl import layers as L
from pydl.models import Sequential, load_model
pydl.manual_seed(7)
m = Sequential([L.Dense(4, activation="tanh", input_shape=(3,)), L.Dense(2)])
m.save(sys.argv[1])
x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
print(json.dumps([np.asarray(load_model(p).predict(x)).tolist() for p in sys.argv[2:]]))
"""


def _model():
    pydl.manual_seed(7)
    return Sequential([L.Dense(4, activation="tanh", input_shape=(3,)), L.Dense(2)])


X = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)


def _blocked(out, *load):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PYDL_HOME] + sys.path))
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(out)] + [str(p) for p in load], env=env,
                       capture_output=True, text=True, timeout=120, cwd=os.path.dirname(str(out)))
    assert r.returncode == 0, r.stderr[-2000:]
    return [np.array(p, dtype="float32") for p in json.loads(r.stdout.strip().splitlines()[-1])]


def test_files_load_both_ways_with_and_without_the_package(tmp_path):
    here = _model()
    here.save(tmp_path / "here.pydl")
    # an older pydl wrote this container with the package itself when installed: the base install must read it too
    with zipfile.ZipFile(tmp_path / "here.pydl") as z:
        ms = {n: z.read(n) for n in z.namelist()}
    arrays = read_safetensors(ms["weights.safetensors"], "here", "weights")
    try:
        from safetensors.numpy import save
        ms["weights.safetensors"] = save({k: np.ascontiguousarray(v) for k, v in arrays.items()})
    except ImportError:
        pass
    with zipfile.ZipFile(tmp_path / "package.pydl", "w") as z:
        for n, b in ms.items():
            z.writestr(n, b)
    there = _blocked(tmp_path / "there.pydl", tmp_path / "here.pydl", tmp_path / "package.pydl")
    expected = np.asarray(here.predict(X))
    np.testing.assert_array_equal(there[0], expected)
    np.testing.assert_array_equal(there[1], expected)
    # the reverse: written without the package, the same bytes (same format) and it loads here
    with zipfile.ZipFile(tmp_path / "there.pydl") as z:
        assert z.read("pydl_format.json") == ms["pydl_format.json"]
        assert "weights.safetensors" in z.namelist() and "weights.npz" not in z.namelist()
        assert z.read("weights.safetensors") == zipfile.ZipFile(tmp_path / "here.pydl").read("weights.safetensors")
    np.testing.assert_array_equal(np.asarray(load_model(tmp_path / "there.pydl").predict(X)), expected)


def _all_dtypes():
    rng = np.random.default_rng(0)
    out = {f"{t}": (rng.standard_normal((3, 2)) * 50).astype(t) for t in
           ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")}
    out.update(flag=np.array([True, False, True]), scalar=np.float64(2.5).reshape(()), empty=np.zeros((0, 4), "f4"),
               big_endian=np.arange(5, dtype=">i4"), strided=np.arange(24, dtype="f4").reshape(4, 6)[::2, 1::2])
    return out


def test_writer_round_trips_every_dtype_aligned():
    arrays = _all_dtypes()
    data = write_safetensors(arrays)
    n = int.from_bytes(data[:8], "little")
    assert n % 8 == 0
    header = json.loads(data[8:8 + n])
    back = read_safetensors(data, "mem", "weights")
    assert sorted(back) == sorted(arrays)
    for k, a in arrays.items():
        np.testing.assert_array_equal(back[k], a)
        assert back[k].dtype == a.dtype.newbyteorder("=") and back[k].shape == a.shape
        assert (8 + n + header[k]["data_offsets"][0]) % a.dtype.itemsize == 0  # every tensor is aligned
    assert header["big_endian"]["dtype"] == "I32" and header["flag"]["dtype"] == "BOOL"
    assert write_safetensors(arrays) == data  # deterministic


def test_the_package_reads_pydls_bytes():
    st = pytest.importorskip("safetensors.numpy")
    arrays = _all_dtypes()
    back = st.load(write_safetensors(arrays))
    for k, a in arrays.items():
        np.testing.assert_array_equal(back[k], a)


@pytest.mark.parametrize("bad, message", [
    (np.zeros(2, "complex64"), "has dtype complex64, which the format cannot hold"),
    (np.array(["a"], dtype=object), "has dtype object"),
    (np.zeros(1, "datetime64[s]"), "has dtype datetime64"),
])
def test_writer_refuses_dtypes_outside_the_format(bad, message):
    with pytest.raises(ValueError, match=rf"safetensors: tensor 'w' {message}"):
        write_safetensors({"w": bad})


def test_writer_refuses_names_the_format_cannot_hold():
    with pytest.raises(ValueError, match="'__metadata__' is the format's reserved key"):
        write_safetensors({"__metadata__": np.zeros(2, "f4")})
    with pytest.raises(TypeError, match="tensor names must be strings, got 3"):
        write_safetensors({"w": np.zeros(2, "f4"), 3: np.zeros(2, "f4")})


def test_reader_bounds_a_hostile_header():
    good = write_safetensors({"w": np.arange(4, dtype="f4")})
    n = int.from_bytes(good[:8], "little")
    with pytest.raises(CorruptFileError, match="declares a 65-byte header"):
        read_safetensors((65).to_bytes(8, "little") + good[8:8 + 64], "f", "weights")
    header = json.loads(good[8:8 + n])
    header["w"]["data_offsets"] = [0, 17]
    h = json.dumps(header).encode()
    with pytest.raises(CorruptFileError, match="outside its 16 data bytes"):
        read_safetensors(len(h).to_bytes(8, "little") + h + good[8 + n:], "f", "weights")
    header["w"].update(dtype="C64", data_offsets=[0, 16])
    h = json.dumps(header).encode()
    with pytest.raises(CorruptFileError, match="unsupported dtype 'C64'"):
        read_safetensors(len(h).to_bytes(8, "little") + h + good[8 + n:], "f", "weights")
