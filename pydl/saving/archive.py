"""The pydl file: a ZIP archive (stored, CRC-checked) of JSON documents and one tensor container.

Members: pydl_format.json (format, version, kind), config.json (models), weights.json (the manifest: layers, weight
names, shapes, dtypes) and weights.safetensors (with the safetensors package) or weights.npz (NumPy, read with
allow_pickle=False). Nothing in a file is ever executed. Writes go to a temporary file in the same directory that is
fsynced and then renamed over the target, so a crash never leaves a half-written file under the real name.
"""
import io
import json
import os
import zipfile

import numpy as np

FORMAT_NAME = "pydl"
FORMAT_VERSION = 1
MAX_JSON_BYTES = 64 * 1024 * 1024


class CorruptFileError(ValueError):
    """The file is not a complete, valid pydl archive."""


def _safetensors():
    try:
        from safetensors import numpy as st
    except ImportError:
        return None
    return st


def pack_arrays(arrays, container=None):
    """(member name, bytes) holding a dict of arrays: safetensors when installed (or asked), else npz."""
    st = _safetensors() if container in (None, "safetensors") else None
    if container == "safetensors" and st is None:
        raise ImportError("container='safetensors' needs the safetensors package (pip install safetensors)")
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    if st is not None:
        return "weights.safetensors", st.save(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return "weights.npz", buf.getvalue()


def unpack_arrays(member, data, path):
    if member.endswith(".safetensors"):
        st = _safetensors()
        if st is None:
            raise ImportError(f"'{path}' stores its weights with safetensors; install it to read the file "
                              "(pip install safetensors)")
        try:
            return dict(st.load(data))
        except Exception as e:  # the library's own error type varies by version
            raise CorruptFileError(f"'{path}': the weights container is corrupt ({e})") from None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise CorruptFileError(f"'{path}': the weights container is corrupt ({e})") from None


def atomic_write(path, data):
    """Writes bytes to path via a fsynced temporary file and os.replace; removes the temporary on any failure."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write_archive(path, kind, documents, arrays, container=None):
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


def read_archive(path):
    """(header, {member: parsed JSON}, arrays) with every failure reported as CorruptFileError naming the file."""
    path = os.fspath(path)
    kind = file_kind(path)
    if kind != "pydl":
        raise CorruptFileError(f"'{path}' is not a pydl file (it starts with neither a ZIP nor a known header)"
                               if kind == "unknown" else f"'{path}' is an HDF5 file, not a pydl file")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "pydl_format.json" not in names:
                raise CorruptFileError(f"'{path}' is a ZIP file but not a pydl file (no pydl_format.json)")
            docs = {}
            for name in names:
                if name.endswith(".json"):
                    info = z.getinfo(name)
                    if info.file_size > MAX_JSON_BYTES:
                        raise CorruptFileError(f"'{path}': member {name} is implausibly large ({info.file_size} bytes)")
                    docs[name] = json.loads(z.read(name).decode("utf-8"))
            header = docs.pop("pydl_format.json")
            if header.get("format") != FORMAT_NAME or not isinstance(header.get("version"), int):
                raise CorruptFileError(f"'{path}': unrecognised header {header!r}")
            if header["version"] > FORMAT_VERSION:
                raise CorruptFileError(f"'{path}' was written by a newer pydl (format version {header['version']}; "
                                       f"this pydl reads up to {FORMAT_VERSION})")
            member = header.get("weights")
            if member not in names:
                raise CorruptFileError(f"'{path}' is incomplete: the weights member {member!r} is missing")
            arrays = unpack_arrays(member, z.read(member), path)
    except zipfile.BadZipFile as e:
        raise CorruptFileError(f"'{path}' is truncated or corrupt ({e})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorruptFileError(f"'{path}' holds a corrupt JSON document ({e})") from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError) as e:
        raise CorruptFileError(f"'{path}' is truncated or corrupt ({e})") from None
    return header, docs, arrays
