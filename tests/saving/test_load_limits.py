"""Resource bounds: declared sizes are checked against the file's real size, a ratio limit and a cap before
anything is inflated or allocated, so a small hostile file fails fast with bounded memory."""
import io
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from pydl.models import load_model
from pydl.saving import CorruptFileError
from pydl.saving.limits import limits
from saving_files import build, members, npy_bytes, safetensors_bytes, save_bytes, small_model, with_doc

MiB = 1 << 20


@pytest.fixture(scope="module")
def model():
    return small_model()


def load_bounded(path, limit_mib=16, **kw):
    """load_model under tracemalloc: asserts it raises CorruptFileError quickly with a bounded Python-side peak."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(CorruptFileError) as e:
            load_model(str(path), **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_mib * MiB, f"peak {peak / MiB:.1f} MiB"
    assert time.perf_counter() - t0 < 5
    return str(e.value)


def deflated(ms, big_name, big_bytes):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in ms.items():
            z.writestr(n, b)
        z.writestr(big_name, big_bytes, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


@pytest.mark.parametrize("member", ["config.json", "weights.npz", "checkpoint.json"])
def test_zip_bomb_member_is_refused_before_inflating(tmp_path, model, member):
    ms = members(save_bytes(model, container="npz"))
    ms.pop(member, None)
    data = deflated(ms, member, b" " * (48 * MiB))  # 48 MiB of spaces deflate to ~50 KB
    assert len(data) < MiB
    path = tmp_path / "bomb.pydl"
    path.write_bytes(data)
    msg = load_bounded(path)
    assert "likely zip bomb" in msg or "implausibly large" in msg


def test_npz_member_bomb_inside_weights(tmp_path, model):
    data = save_bytes(model, container="npz")
    inner = members(members(data)["weights.npz"])
    first = sorted(inner)[0]
    inner.pop(first)
    npz = deflated(inner, first, npy_bytes({"descr": "<f4", "fortran_order": False, "shape": (12 * MiB,)},
                                           b"\0" * (48 * MiB)))
    path = tmp_path / "bomb.pydl"
    path.write_bytes(build(dict(members(data), **{"weights.npz": npz})))
    assert "likely zip bomb" in load_bounded(path)


def test_size_fields_larger_than_the_file_are_refused(tmp_path, model):
    data = bytearray(save_bytes(model, container="npz"))
    cd = bytes(data).index(b"PK\x01\x02")  # the central directory entry of weights.npz (the last member)
    while data[cd + 46:cd + 46 + len("weights.npz")] != b"weights.npz":
        cd = bytes(data).index(b"PK\x01\x02", cd + 4)
    for off in (20, 24):  # compressed and uncompressed sizes
        data[cd + off:cd + off + 4] = (3 * 1024 ** 3).to_bytes(4, "little")
    path = tmp_path / "lie.pydl"
    path.write_bytes(bytes(data))
    assert "claim" in load_bounded(path)


def test_header_claiming_3e9_floats_allocates_nothing(tmp_path, model):
    data = save_bytes(model, container="npz")
    inner = members(members(data)["weights.npz"])
    inner[sorted(inner)[0]] = npy_bytes({"descr": "<f4", "fortran_order": False, "shape": (3_000_000_000,)},
                                        b"\0" * 40_000)
    path = tmp_path / "claim.pydl"
    path.write_bytes(build(dict(members(data), **{"weights.npz": build(inner)})))
    assert path.stat().st_size < 50_000
    assert "declares shape (3000000000,)" in load_bounded(path, limit_mib=2)
    ms = members(data)
    del ms["weights.npz"]
    ms["weights.safetensors"] = safetensors_bytes(
        {"a": {"dtype": "F32", "shape": [3_000_000_000], "data_offsets": [0, 12_000_000_000]}}, b"\0" * 40_000)
    path.write_bytes(with_doc(build(ms), "pydl_format.json", lambda d: d.update(weights="weights.safetensors")))
    assert "outside its 40000 data bytes" in load_bounded(path, limit_mib=2)


def test_config_asking_for_huge_weights_allocates_nothing(tmp_path, model):
    def huge(doc):
        doc["model"]["config"]["layers"][0]["config"]["units"] = 3_000_000_000
    path = tmp_path / "huge.pydl"
    path.write_bytes(with_doc(save_bytes(model), "config.json", huge))
    assert "needs 9000000000 elements but only" in load_bounded(path, limit_mib=4)


def test_cap_is_adjustable_by_keyword_and_env(tmp_path, model, monkeypatch):
    path = tmp_path / "m.pydl"
    path.write_bytes(save_bytes(model))
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(load_model(str(path)).predict(x), model.predict(x))
    with pytest.raises(CorruptFileError, match="more than the 300-byte load limit allows .*max_bytes="):
        load_model(str(path), max_bytes=300)
    monkeypatch.setenv("PYDL_MAX_LOAD_BYTES", "300")
    with pytest.raises(CorruptFileError, match="300-byte load limit"):
        small_model().load_weights(str(path))
    load_model(str(path), max_bytes=10 ** 9)  # the keyword wins over the environment
    monkeypatch.setenv("PYDL_MAX_LOAD_BYTES", "lots")
    with pytest.raises(ValueError, match="PYDL_MAX_LOAD_BYTES must be a number of bytes, got 'lots'"):
        load_model(str(path))
    with pytest.raises(ValueError, match="max_bytes must be a positive int, got -1"):
        limits(-1)


def test_default_cap_admits_vgg16_sized_weights():
    lim = limits()
    assert lim.max_bytes >= 4 * 528 * MiB  # the weights, the container copy and the npz members together


def test_h5_compressed_bomb_is_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    from pydl import layers as L
    from pydl.models import Sequential
    path = tmp_path / "bomb.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"d"]
        g = f.create_group("d")
        g.attrs["weight_names"] = [b"d/kernel:0"]
        g.create_dataset("d/kernel:0", shape=(4096, 4096), dtype="f4", compression="gzip", fillvalue=0,
                         data=np.zeros((4096, 4096), "f4"))
    assert path.stat().st_size < MiB
    m = Sequential([L.Dense(4096, use_bias=False, input_shape=(4096,))])
    with pytest.raises(CorruptFileError, match="likely zip bomb"):
        m.load_weights(str(path))
    with pytest.raises(CorruptFileError, match="load limit"):
        m.load_weights(str(path), max_bytes=1000)
