"""Finding dataset files: the cache directory (PYDL_DATA_DIR, else ~/.pydl/datasets), a checksum check, and a
download from the canonical location when the network allows. Without network or file, the error says which file
to place where."""
import hashlib
import os
import shutil
import urllib.error
import urllib.request

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def cache_dir():
    return os.environ.get("PYDL_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".pydl", "datasets")


def file_digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _algorithm(file_hash):
    # published digests: SHA-256 (64 hex digits) where Keras gives one, MD5 (32) for older files
    return "sha256" if len(file_hash) == 64 else "md5"


def verify(path, file_hash):
    return file_hash is None or file_digest(path, _algorithm(file_hash)) == file_hash.lower()


def get_file(fname, origin, file_hash=None, timeout=30):
    """Path to `fname` in the cache, downloading it from `origin` (and checking its digest) if needed."""
    if os.path.isabs(fname):
        path = fname
    else:
        path = os.path.join(cache_dir(), fname)
    if os.path.exists(path):
        if verify(path, file_hash):
            return path
        raise ValueError(f"{path} exists but its {_algorithm(file_hash).upper()} digest does not match the "
                         f"published {file_hash}: the file is incomplete or a different version. Delete it to "
                         "download again")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.part-{os.getpid()}"
    try:
        with urllib.request.urlopen(origin, timeout=timeout) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
        if not verify(tmp, file_hash):
            raise ValueError(f"the download of {fname} from {origin} does not match its published digest "
                             f"{file_hash}")
        os.replace(tmp, path)
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        raise OSError(f"pydl.datasets: {fname} is not in the cache and could not be downloaded from {origin} "
                      f"({getattr(e, 'reason', e)}). Place the file at {path}"
                      + (f" ({_algorithm(file_hash).upper()} {file_hash})" if file_hash else "")
                      + ", or set PYDL_DATA_DIR to the folder that holds it. Offline alternatives that need no "
                      "download: pydl.datasets.offline") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
