"""Valid files mutated field by field: every malformed document or container is a CorruptFileError naming the
file and what was wrong (never KeyError/TypeError/AttributeError/RecursionError, never a partial load)."""
import json

import numpy as np
import pytest

from pydl.models import load_model
from pydl.saving import CorruptFileError
from saving_files import (build, members, npy_bytes, safetensors_bytes, save_bytes, small_model, with_doc,
                          with_member)

CONTAINERS = ["npz", "safetensors"]


@pytest.fixture(scope="module")
def model():
    return small_model()


@pytest.fixture(scope="module", params=CONTAINERS)
def model_file(request, model):
    return save_bytes(model, container=request.param)


def load(tmp_path, data, weights_into=None):
    path = tmp_path / "f.pydl"
    path.write_bytes(data)
    if weights_into is not None:
        return weights_into.load_weights(str(path))
    return load_model(str(path))


def set_(path, value):
    """fn(doc) setting doc[path...] = value (a missing last key deletes it when value is DELETE)."""
    def fn(doc):
        *head, last = path
        for k in head:
            doc = doc[k]
        if value is DELETE:
            del doc[last]
        else:
            doc[last] = value
    return fn


DELETE = object()
NAN = float("nan")
HEADER = [(("format",), DELETE), (("version",), "1"), (("version",), True), (("version",), 1.5), (("version",), 0),
          (("version",), 99), (("kind",), "model2"), (("kind",), None), (("weights",), "weights.pkl"),
          (("weights",), ["weights.npz"]), (("extra",), 1), (("format",), "zip")]
MANIFEST = [(("layers",), {}), (("layers",), None), (("layers", 0), "dense"), (("layers", 0, "name"), DELETE),
            (("layers", 0, "name"), 3), (("layers", 0, "weights"), {}), (("layers", 0, "weights", 0), []),
            (("layers", 0, "weights", 0, "shape"), [NAN, 4]), (("layers", 0, "weights", 0, "shape"), [-3, 4]),
            (("layers", 0, "weights", 0, "shape"), [1e300, 4]), (("layers", 0, "weights", 0, "shape"), "3,4"),
            (("layers", 0, "weights", 0, "shape"), [[3], 4]), (("layers", 0, "weights", 0, "shape"), [3, True]),
            (("layers", 0, "weights", 0, "shape"), [10 ** 30, 4]), (("layers", 0, "weights", 0, "shape"), [4, 3]),
            (("layers", 0, "weights", 0, "dtype"), "float33"), (("layers", 0, "weights", 0, "dtype"), "object"),
            (("layers", 0, "weights", 0, "dtype"), "float64"), (("layers", 0, "weights", 0, "dtype"), 5),
            (("layers", 0, "weights", 0, "key"), "99999/000"), (("layers", 0, "weights", 0, "key"), 0),
            (("layers", 0, "weights", 0, "key"), "00000/001"), (("layers", 0, "weights", 0, "extra"), 1),
            (("layers", 0, "extra"), 1), (("extra",), 1), (("layers",), DELETE)]
CONFIG = [(("model",), DELETE), (("model",), []), (("model", "class_name"), 5), (("model", "class_name"), "Dense"),
          (("model", "config"), []), (("model", "config", "layers"), 5), (("model", "config", "layers"), [5]),
          (("model", "config", "layers", 0), {"class_name": "Dense"}),
          (("model", "config", "layers", 0, "config"), "x"),
          (("model", "config", "layers", 0, "config", "units"), "many"),
          (("model", "config", "layers", 0, "config", "units"), NAN),
          (("model", "config", "layers", 0, "config", "units"), -4),
          (("model", "config", "layers", 0, "config", "units"), 10 ** 12),
          (("model", "config", "layers", 0, "config", "activation"), {"a": 1}),
          (("model", "config", "layers", 0, "config", "kernel_initializer"), 7),
          (("model", "config", "build_input_shape"), [None, -3]),
          (("model", "config", "build_input_shape"), "abc"),
          (("model", "config", "layers"), [])]
TRAINING = [(("optimizer",), DELETE), (("optimizer",), "adam"), (("optimizer", "class_name"), 5),
            (("optimizer", "config"), {"lr": "fast"}), (("optimizer", "config"), {"bogus": 1}), (("loss",), 5),
            (("loss",), {"class_name": "mse", "config": 4})]
OPT_STATE = [(("iterations",), -1), (("iterations",), "3"), (("params",), [99]), (("params",), [0.5]),
             (("params",), 3), (("m_schedule",), "x"), (("m_schedule",), NAN), (("extra",), 1)]


def _cases(name, table):
    return [pytest.param(name, p, v, id=f"{name}:{'/'.join(map(str, p))}={'DELETE' if v is DELETE else v!r:.20}")
            for p, v in table]


@pytest.mark.parametrize("doc,where,value", _cases("pydl_format.json", HEADER) + _cases("weights.json", MANIFEST)
                         + _cases("config.json", CONFIG) + _cases("training.json", TRAINING)
                         + _cases("optimizer_state.json", OPT_STATE))
def test_mutated_document_is_corrupt_file_error(tmp_path, model_file, doc, where, value):
    with pytest.raises(CorruptFileError, match=r"f\.pydl"):
        load(tmp_path, with_doc(model_file, doc, set_(where, value)))


@pytest.mark.parametrize("doc,where,value", _cases("weights.json", MANIFEST))
def test_mutated_manifest_in_weights_file_loads_nothing(tmp_path, model, doc, where, value):
    data = save_bytes(model, weights_only=True)
    target = small_model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(CorruptFileError):
        load(tmp_path, with_doc(data, doc, set_(where, value)), weights_into=target)
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("raw", [b"[" * 100000 + b"]" * 100000, b'{"a":' * 50000 + b"1" + b"}" * 50000,
                                 json.dumps(json.loads("[" * 150 + "]" * 150)).encode(), b"\xff\xfe", b"{",
                                 b"1" * 5000, b"NaN", b"", b'"model"', b"null"])
@pytest.mark.parametrize("name", ["pydl_format.json", "config.json", "weights.json", "training.json"])
def test_unparseable_or_deep_json_is_corrupt_file_error(tmp_path, model_file, name, raw):
    with pytest.raises(CorruptFileError, match=rf"f\.pydl.*{name}|f\.pydl"):
        load(tmp_path, with_member(model_file, name, raw))


def test_deep_nesting_message_names_member(tmp_path, model_file):
    with pytest.raises(CorruptFileError, match="member config.json nests deeper than 100 levels"):
        load(tmp_path, with_member(model_file, "config.json", b'{"model":' + b"[" * 200 + b"]" * 200 + b"}"))
    with pytest.raises(CorruptFileError, match=r"member config.json is not valid JSON \(RecursionError"):
        load(tmp_path, with_member(model_file, "config.json", b"[" * 100000 + b"]" * 100000))


@pytest.mark.parametrize("name", ["pydl_format.json", "weights.json", "config.json"])
def test_missing_member_is_corrupt_file_error(tmp_path, model_file, name):
    with pytest.raises(CorruptFileError, match="not a pydl file|is incomplete|no config.json|no weights.json"):
        load(tmp_path, with_member(model_file, name, None))


def test_duplicate_member_names_are_refused(tmp_path, model_file):
    import io
    import zipfile
    buf = io.BytesIO(model_file)
    with pytest.warns(UserWarning), zipfile.ZipFile(buf, "a") as z:
        z.writestr("config.json", b"{}")
    with pytest.raises(CorruptFileError, match="two archive members named 'config.json'"):
        load(tmp_path, buf.getvalue())


def _weights_member(data):
    return [n for n in members(data) if n.startswith("weights.") and not n.endswith(".json")][0]


NPY = [({"descr": "<f4", "fortran_order": False, "shape": (3000000000,)}, b"\0" * 64, "declares shape"),
       ({"descr": "|O", "fortran_order": False, "shape": (2,)}, b"\0" * 16, "dtype object"),
       ({"descr": [("a", "<f4")], "fortran_order": False, "shape": (2,)}, b"\0" * 8, "only bool, integer"),
       ({"descr": "<f4", "fortran_order": False, "shape": (-2,)}, b"", "negative dimension"),
       ({"descr": "<f4", "fortran_order": False, "shape": (3, 4)}, b"\0" * 47, "declares shape"),
       ({"descr": "<f4", "fortran_order": False, "shape": "(3, 4)"}, b"\0" * 48, "corrupt .npy header"),
       ({"descr": "not a dtype", "fortran_order": False, "shape": (3, 4)}, b"\0" * 48, "corrupt .npy header")]


@pytest.mark.parametrize("header,payload,message", NPY)
def test_hostile_npy_headers(tmp_path, model, header, payload, message):
    data = save_bytes(model, container="npz")
    inner = members(members(data)["weights.npz"])
    first = sorted(inner)[0]
    inner[first] = npy_bytes(header, payload)
    with pytest.raises(CorruptFileError, match=message):
        load(tmp_path, with_member(data, "weights.npz", build(inner)))
    inner[first] = b"\x93NUMPY\x09\x00junk"
    with pytest.raises(CorruptFileError, match="corrupt .npy header"):
        load(tmp_path, with_member(data, "weights.npz", build(inner)))


ST = [({"a": {"dtype": "F32", "shape": [3000000000], "data_offsets": [0, 12000000000]}}, "outside its"),
      ({"a": {"dtype": "F32", "shape": [3000000000], "data_offsets": [0, 16]}}, "declares shape"),
      ({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [8, 4]}}, "outside its"),
      ({"a": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, "integer >= 0"),
      ({"a": {"dtype": "F32", "shape": [4.0], "data_offsets": [0, 16]}}, "integer >= 0"),
      ({"a": {"dtype": "BF16", "shape": [8], "data_offsets": [0, 16]}}, "unsupported dtype"),
      ({"a": {"dtype": "F32", "shape": [4]}}, "exactly dtype"),
      ({"a": [1, 2]}, "exactly dtype"), ([1, 2], "must be a JSON object")]


@pytest.mark.parametrize("header,message", ST)
def test_hostile_safetensors_headers(tmp_path, model, header, message):
    data = save_bytes(model, container="npz")
    ms = members(data)
    ms["weights.safetensors"] = safetensors_bytes(header, b"\0" * 16)
    del ms["weights.npz"]
    bad = with_doc(build(ms), "pydl_format.json", set_(("weights",), "weights.safetensors"))
    with pytest.raises(CorruptFileError, match=message):
        load(tmp_path, bad)
    ms["weights.safetensors"] = (2 ** 62).to_bytes(8, "little") + b"{}"
    with pytest.raises(CorruptFileError, match="declares a 4611686018427387904-byte header"):
        load(tmp_path, with_doc(build(ms), "pydl_format.json", set_(("weights",), "weights.safetensors")))


def test_flipped_and_truncated_containers(tmp_path, model_file):
    name = _weights_member(model_file)
    blob = members(model_file)[name]
    for cut in (0, 4, 8, 20, len(blob) // 2, len(blob) - 1):
        with pytest.raises(CorruptFileError):
            load(tmp_path, with_member(model_file, name, blob[:cut]))


def test_unknown_names_still_ask_for_custom_objects(tmp_path, model_file):
    def rename(doc):
        doc["model"]["config"]["layers"][0]["config"]["activation"] = "swishy"
    with pytest.raises(ValueError, match="Unknown activation function 'swishy'") as e:
        load(tmp_path, with_doc(model_file, "config.json", rename))
    assert not isinstance(e.value, CorruptFileError)  # the file may be fine: the caller must supply the function
