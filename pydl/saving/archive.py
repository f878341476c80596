"""The pydl file: a ZIP archive (stored, CRC-checked) of JSON documents and one tensor container.

Members: pydl_format.json (format, version, kind), config.json (models), weights.json (the manifest: layers, weight
names, shapes, dtypes) and weights.safetensors, written and read by pydl itself (containers.py), so that a file's
format never depends on an optional package; files from older pydl versions may hold weights.npz instead.
Nothing in a file is ever executed. Reading checks every declared size against the file's real size and the load
limits (limits.py) before inflating or allocating, and every document's schema (schema.py); any failure is a
CorruptFileError naming the file. Writes are atomic (atomic.py).
"""
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

from .atomic import atomic_write  # noqa: F401 (part of this module's interface)
from .containers import unpack_arrays, write_safetensors
from .errors import CorruptFileError
from .limits import MAX_JSON_BYTES, limits
from .schema import FORMAT_NAME, FORMAT_VERSION, check_header, check_manifest, parse_json
from .zipread import Budget, members, read_member

__all__ = ["CorruptFileError", "FORMAT_NAME", "FORMAT_VERSION", "atomic_write", "file_kind", "pack_arrays",
           "read_archive", "write_archive"]


def pack_arrays(arrays, container="safetensors"):
    """(member name, bytes) holding a dict of arrays: safetensors (pydl's own writer, whatever is installed); 'npz'
    writes the container of older pydl versions (the loaders still read it)."""
    if container == "safetensors":
        return "weights.safetensors", write_safetensors(arrays)
    if container != "npz":
        raise ValueError(f"container must be 'safetensors' or 'npz', got {container!r}")
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return "weights.npz", buf.getvalue()


def write_archive(path, kind, documents, arrays, container="safetensors"):
    """documents: {member name: JSON-able}; arrays: {key: ndarray}."""
    member, blob = pack_arrays(arrays, container)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("pydl_format.json", json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "kind": kind,
                                                   "weights": member}))
        for name, doc in documents.items():
            z.writestr(name, json.dumps(doc))
        z.writestr(member, blob)
    atomic_write(path, buf.getvalue())


def file_kind(path):
    """'pydl', 'hdf5' or 'unknown' from the first bytes; FileNotFoundError if absent."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "pydl"
    if head == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    return "unknown"


def _read(path, lim):
    with open(path, "rb") as f:
        real_size = os.fstat(f.fileno()).st_size
        with zipfile.ZipFile(f) as z:
            table = members(z, path, real_size)
            if "pydl_format.json" not in table:
                raise CorruptFileError(f"'{path}' is a ZIP file but not a pydl file (no pydl_format.json)")
            budget, docs = Budget(lim), {}
            for name, info in table.items():
                if name.endswith(".json"):
                    if info.file_size > MAX_JSON_BYTES:
                        raise CorruptFileError(f"'{path}': member {name} is implausibly large ({info.file_size} "
                                               "bytes)")
                    docs[name] = parse_json(path, name, read_member(z, info, path, budget))
            header = docs.pop("pydl_format.json")
            check_header(path, header)
            member = header["weights"]
            if member not in table:
                raise CorruptFileError(f"'{path}' is incomplete: the weights member {member!r} is missing")
            arrays = unpack_arrays(member, read_member(z, table[member], path, budget), path, budget)
    return header, docs, arrays


def read_archive(path, max_bytes=None):
    """(header, {member: parsed JSON}, arrays); weights.json (when present) is checked against the arrays. Every
    failure to decode is a CorruptFileError naming the file."""
    path = os.fspath(path)
    lim = limits(max_bytes)
    kind = file_kind(path)
    if kind != "pydl":
        raise CorruptFileError(f"'{path}' is not a pydl file (it starts with neither a ZIP nor a known header)"
                               if kind == "unknown" else f"'{path}' is an HDF5 file, not a pydl file")
    try:
        header, docs, arrays = _read(path, lim)
    except CorruptFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, struct.error,
            OverflowError, OSError, zlib.error) as e:  # zipfile's errors on a hostile directory (OSError: a negative seek)
        raise CorruptFileError(f"'{path}' is truncated or corrupt ({type(e).__name__}: {str(e)[:200]})") from None
    if "weights.json" in docs:
        docs["weights.json"] = {"layers": check_manifest(path, docs["weights.json"], arrays)}
    return header, docs, arrays
