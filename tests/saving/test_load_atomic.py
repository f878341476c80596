"""load_weights, the Keras HDF5 path and load_model are all-or-nothing: every layer's weight count, shapes and the
file's integrity are checked before the first weight is assigned."""
import numpy as np
import pytest

from pydl import layers as L
from pydl.models import Sequential
from pydl.saving import CorruptFileError
from saving_files import members, with_member


def three(last=2):
    return Sequential([L.Dense(4, input_shape=(3,)), L.Dense(5), L.Dense(last)])


def snapshot(m):
    return [w.copy() for w in m.get_weights()]


def assert_untouched(m, before):
    after = m.get_weights()
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)


def test_shape_mismatch_in_layer_3_leaves_layers_1_and_2(tmp_path):
    path = str(tmp_path / "w")
    three(last=2).save_weights(path)
    target = three(last=7)
    before = snapshot(target)
    with pytest.raises(ValueError, match=r"weight '.*kernel' has shape \(5, 7\) in the model but the file's"):
        target.load_weights(path)
    assert_untouched(target, before)


def test_by_name_mismatch_loads_nothing_unless_skipped(tmp_path):
    src = three(last=2)
    path = str(tmp_path / "w")
    src.save_weights(path)
    names = [l.name for l in src.layers]
    target = Sequential([L.Dense(4, input_shape=(3,), name=names[0]), L.Dense(5, name=names[1]),
                         L.Dense(7, name=names[2])])
    before = snapshot(target)
    with pytest.raises(ValueError, match="has shape"):
        target.load_weights(path, by_name=True)
    assert_untouched(target, before)
    target.load_weights(path, by_name=True, skip_mismatch=True)
    for a, b in zip(target.get_weights()[:4], src.get_weights()[:4]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(target.get_weights()[4], before[4])


def test_missing_array_in_file_loads_nothing(tmp_path):
    src = three()
    path = tmp_path / "w"
    src.save_weights(str(path))
    raw = path.read_bytes()
    member = [n for n in members(raw) if n.startswith("weights.") and not n.endswith(".json")][0]
    from pydl.saving.archive import pack_arrays
    from pydl.saving.containers import unpack_arrays
    from pydl.saving.limits import limits
    from pydl.saving.zipread import Budget
    arrays = unpack_arrays(member, members(raw)[member], "x", Budget(limits()))
    del arrays[sorted(arrays)[-1]]  # the last layer's bias
    name, blob = pack_arrays(arrays, "npz")
    bad = tmp_path / "bad"
    from saving_files import with_doc
    bad.write_bytes(with_doc(with_member(with_member(raw, member, None), name, blob), "pydl_format.json",
                             lambda d: d.update(weights=name)))
    target = three()
    before = snapshot(target)
    with pytest.raises(CorruptFileError, match="is incomplete: weight .* is missing"):
        target.load_weights(str(bad))
    assert_untouched(target, before)


def test_keras_h5_mismatch_in_last_layer_loads_nothing(tmp_path):
    h5py = pytest.importorskip("h5py")
    from test_keras_h5 import write_keras_weights
    path = str(tmp_path / "k.h5")
    z = np.zeros
    write_keras_weights(path, [("d1", [("d1/kernel:0", z((3, 4), "f4") + 1), ("d1/bias:0", z(4, "f4") + 1)]),
                               ("d2", [("d2/kernel:0", z((4, 5), "f4") + 1), ("d2/bias:0", z(5, "f4") + 1)]),
                               ("d3", [("d3/kernel:0", z((5, 2), "f4") + 1), ("d3/bias:0", z(2, "f4") + 1)])])
    target = three(last=7)
    before = snapshot(target)
    with pytest.raises(ValueError, match=r"has shape \(5, 7\) in the model but the file's 'd3/kernel:0'"):
        target.load_weights(path)
    assert_untouched(target, before)
    with h5py.File(path, "a") as f:
        del f["d3"]["d3/bias:0"]  # listed in weight_names but gone
    with pytest.raises(CorruptFileError, match="'d3/bias:0' is listed but is not a dataset"):
        three(last=2).load_weights(path)
