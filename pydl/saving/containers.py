"""The tensor containers inside a pydl file, encoded and decoded by hand: the format never depends on an optional
package (a file saved anywhere loads on a base install), and no header can make pydl allocate more than the bytes
it actually holds: every declared shape x itemsize must equal the bytes present before an array is made (a view on
those bytes, never a fresh allocation of the claimed size).

safetensors (what pydl writes): u64 header length, JSON header {name: {dtype, shape, data_offsets}}, data.
npz (older pydl files, still read): a ZIP of .npy members (magic, header dict, data), pickles never allowed."""
import io
import json
import zipfile

import numpy as np

from .errors import CorruptFileError
from .limits import MAX_JSON_BYTES
from .schema import parse_json, shape
from .zipread import members, read_member

_ST_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
              "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}
_ST_NAMES = {np.dtype(v): k for k, v in _ST_DTYPES.items()}


def _size(shp, dtype):
    n = 1
    for d in shp:
        n *= d
    return n, n * dtype.itemsize


def _native(a):
    return a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))


def write_safetensors(arrays):
    """The safetensors bytes of {name: ndarray}: little-endian C-order data, widest items first so that every
    tensor is aligned (the header is padded with spaces to a multiple of 8 bytes, as the format allows)."""
    specs, chunks, offset = {}, [], 0
    for key in arrays:  # before sorting: mixed key types would fail there with a bare TypeError
        if not isinstance(key, str):
            raise TypeError(f"safetensors: tensor names must be strings, got {key!r}")
        if key == "__metadata__":
            raise ValueError("safetensors: '__metadata__' is the format's reserved key, not a tensor name")
    items = sorted(arrays.items(), key=lambda kv: (-np.asarray(kv[1]).dtype.itemsize, kv[0]))
    for key, a in items:
        a = np.asarray(a)
        name = _ST_NAMES.get(a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype)
        if name is None:
            raise ValueError(f"safetensors: tensor {key!r} has dtype {a.dtype}, which the format cannot hold (only "
                             "bool, integer and float16/32/64 arrays)")
        raw = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        specs[key] = {"dtype": name, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps(specs, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)
    if len(header) > MAX_JSON_BYTES:  # never write what the reader would refuse
        raise ValueError(f"safetensors: {len(arrays)} tensors need a {len(header)}-byte header, more than the "
                         f"{MAX_JSON_BYTES} bytes a reader accepts")
    return b"".join([len(header).to_bytes(8, "little"), header] + chunks)


def read_safetensors(data, path, name):
    if len(data) < 8:
        raise CorruptFileError(f"'{path}': {name} is too short for a safetensors header ({len(data)} bytes)")
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8 or n > MAX_JSON_BYTES:
        raise CorruptFileError(f"'{path}': {name} declares a {n}-byte header but holds {len(data) - 8} bytes")
    header = parse_json(path, f"{name} header", data[8:8 + n])
    if not isinstance(header, dict):
        raise CorruptFileError(f"'{path}': {name} header must be a JSON object, got {type(header).__name__}")
    body, out = len(data) - 8 - n, {}
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        where = f"{name} tensor {key!r}"
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
            raise CorruptFileError(f"'{path}': {where} must have exactly dtype, shape and data_offsets, got "
                                   f"{spec!r:.120}")
        if spec["dtype"] not in _ST_DTYPES:
            raise CorruptFileError(f"'{path}': {where} has unsupported dtype {spec['dtype']!r:.40}")
        dtype = np.dtype(_ST_DTYPES[spec["dtype"]])
        shp = shape(path, f"{where} shape", spec["shape"])
        offs = spec["data_offsets"]
        if (not isinstance(offs, list) or len(offs) != 2 or
                any(isinstance(o, bool) or not isinstance(o, int) for o in offs) or not 0 <= offs[0] <= offs[1] <= body):
            raise CorruptFileError(f"'{path}': {where} has data_offsets {offs!r:.80} outside its {body} data bytes")
        count, nbytes = _size(shp, dtype)
        if offs[1] - offs[0] != nbytes:
            raise CorruptFileError(f"'{path}': {where} declares shape {list(shp)} ({nbytes} bytes) but its data "
                                   f"holds {offs[1] - offs[0]} bytes")
        out[key] = _native(np.frombuffer(data, dtype, count, 8 + n + offs[0]).reshape(shp))
    return out


def _read_npy(raw, path, name):
    fp = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shp, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shp, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except Exception as e:  # numpy's header parser raises ValueError, SyntaxError, ... on hostile headers
        raise CorruptFileError(f"'{path}': {name} has a corrupt .npy header ({type(e).__name__}: {str(e)[:120]})") \
            from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise CorruptFileError(f"'{path}': {name} holds dtype {dtype} (only bool, integer and float arrays load)")
    if any(d < 0 for d in shp):
        raise CorruptFileError(f"'{path}': {name} declares a negative dimension in shape {shp}")
    count, nbytes = _size(shp, dtype)
    if len(raw) - fp.tell() != nbytes:
        raise CorruptFileError(f"'{path}': {name} declares shape {shp} {dtype} ({nbytes} bytes) but holds "
                               f"{len(raw) - fp.tell()} data bytes")
    a = np.frombuffer(raw, dtype, count, fp.tell())
    return _native(a.reshape(shp, order="F" if fortran else "C"))


def read_npz(data, path, name, budget):
    out = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member, info in members(z, f"{path}: {name}", len(data)).items():
                if not member.endswith(".npy"):
                    raise CorruptFileError(f"'{path}': {name} holds a member {member!r} that is not an .npy array")
                out[member[:-4]] = _read_npy(read_member(z, info, f"{path}: {name}", budget), path,
                                             f"{name} member {member}")
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, OSError) as e:
        raise CorruptFileError(f"'{path}': {name} is corrupt ({e})") from None
    return out


def unpack_arrays(member, data, path, budget):
    if member.endswith(".safetensors"):
        return read_safetensors(data, path, member)
    return read_npz(data, path, member, budget)
