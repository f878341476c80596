"""`weights=` for the architectures: a local pydl file, a Keras HDF5 weight file, a URL with its SHA-256
(downloaded once into the cache, verified, renamed into place atomically), or 'imagenet' for the Keras
applications files (downloaded once like keras.applications does, checked against Keras's published MD5).

    vgg16(weights="my_vgg16.pydl")                              # pydl's save_weights / model.save format
    vgg16(weights="vgg16_weights_tf_dim_ordering_tf_kernels.h5")  # Keras 2 HDF5 (layer names match Keras's)
    vgg16(weights=("https://host/vgg16.h5", "<sha256 hex>"))       # or {"url": ..., "sha256": ...}
                                                                  # or "https://host/vgg16.h5#sha256=<hex>"
The cache is $PYDL_DATA_DIR/weights, else ~/.pydl/weights. Without network and without a cached copy the error
names the URL and the path to put the file at.
"""
import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"


def cache_dir():
    root = os.environ.get("PYDL_DATA_DIR")
    return os.path.join(root, "weights") if root else os.path.join(os.path.expanduser("~"), ".pydl", "weights")


def digest_of(path, algorithm="sha256"):
    """Hex digest of the file at `path` (SHA-256 by default; MD5 for Keras's published applications hashes)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_url(s):
    return isinstance(s, str) and urllib.parse.urlparse(s).scheme in ("http", "https", "ftp", "file")


def parse_spec(weights):
    """-> ('path', path) | ('url', url, sha256) | ('imagenet',). Raises ValueError/TypeError on anything else."""
    if isinstance(weights, dict):
        if "url" not in weights or "sha256" not in weights:
            raise ValueError(f"weights as a dict needs 'url' and 'sha256' keys, got {sorted(weights)}")
        return ("url", weights["url"], weights["sha256"])
    if isinstance(weights, (tuple, list)):
        if len(weights) != 2 or not _is_url(weights[0]):
            raise ValueError(f"weights as a tuple must be (url, sha256), got {weights!r}")
        return ("url", weights[0], weights[1])
    if isinstance(weights, os.PathLike):
        return ("path", os.fspath(weights))
    if not isinstance(weights, str):
        raise TypeError(f"weights must be None, a file path, 'imagenet', (url, sha256) or a dict, got "
                        f"{type(weights).__name__}")
    if weights == "imagenet":
        return ("imagenet",)
    if _is_url(weights):
        url, _, frag = weights.partition("#")
        if not frag.startswith("sha256="):
            raise ValueError(f"weights URL {weights!r} has no checksum: pass (url, sha256) or append "
                             "'#sha256=<hex digest>' so the download can be verified")
        return ("url", url, frag[len("sha256="):])
    return ("path", weights)


def fetch(url, digest, timeout=60, algorithm="sha256"):
    """Local path of the file at `url`, downloading it into cache_dir() when absent; checks its digest (SHA-256, or
    the MD5 that Keras publishes for its applications files when algorithm='md5')."""
    digest = str(digest).lower()
    digits = hashlib.new(algorithm).digest_size * 2
    if len(digest) != digits or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{algorithm} must be {digits} hex digits, got {digest!r}")
    label = algorithm.upper().replace("SHA", "SHA-")
    name = os.path.basename(urllib.parse.unquote(urllib.parse.urlparse(url).path)) or digest[:16]
    path = os.path.join(cache_dir(), name)
    if os.path.exists(path):
        got = digest_of(path, algorithm)
        if got != digest:
            raise ValueError(f"the cached weights file {path} has {label} {got}, not the expected {digest}: it is a "
                             f"different or damaged file. Delete it to download {url} again")
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # A temporary file in the same folder, renamed only once complete and verified: no reader ever sees half a file.
    fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".part", dir=os.path.dirname(path))
    try:
        h = hashlib.new(algorithm)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    h.update(chunk)
                    out.write(chunk)
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            raise OSError(f"the weights at {url} are not cached and could not be downloaded "
                          f"({getattr(e, 'reason', e)}). Download the file elsewhere and place it at {path} "
                          f"({label} {digest}), or set PYDL_DATA_DIR to a folder whose weights/ holds it") from None
        if h.hexdigest() != digest:
            raise ValueError(f"the download of {url} has {label} {h.hexdigest()}, not the expected {digest}; "
                             "nothing was saved")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# The MD5 digests Keras publishes for its ImageNet weight files (keras.applications checks downloads with them).
KERAS_IMAGENET_MD5 = {
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5": "64373286793e3c8b2b4e3219cbf3544b",
    "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5": "6d6bbae143d832006294945121d1f1fc",
    "vgg19_weights_tf_dim_ordering_tf_kernels.h5": "cbe5617147190e668d6c5d5026f83318",
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5": "253f8cb515780f3b799900260a226db6",
    "resnet50_weights_tf_dim_ordering_tf_kernels.h5": "2cb95161c43110f7111970584f804107",
    "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5": "4d473c1dd8becc155b73f8504c6f6626",
}


def _imagenet_path(imagenet):
    """Keras's ImageNet file from the cache, downloaded (and checked against Keras's MD5) the first time, as
    keras.applications does."""
    if imagenet is None:
        raise ValueError("weights='imagenet' is available for vgg16, vgg19 and resnet50 only (the Keras "
                         "applications files); pass a file path or (url, sha256) instead")
    fname, subdir = imagenet
    url = f"{KERAS_APPLICATIONS}{subdir}/{fname}"
    try:
        return fetch(url, KERAS_IMAGENET_MD5[fname], algorithm="md5")
    except OSError as e:
        path = os.path.join(cache_dir(), fname)
        raise FileNotFoundError(f"weights='imagenet' reads Keras's {fname}, which is not cached and could not be "
                                f"downloaded ({e.__cause__ or e}). Download {url} and place it at {path}, or pass "
                                "weights=(url, sha256) to have it downloaded and verified") from None


def keras_h5_layer_names(path):
    """Names of the layers that hold weights in a Keras 2 HDF5 file (save_weights or model.save), in file order."""
    import h5py
    with h5py.File(path, "r") as f:
        g = f["model_weights"] if "model_weights" in f else f
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g.attrs.get("layer_names", [])]
        return [n for n in names if len(g[n].attrs.get("weight_names", []))]


def _load_keras_h5(model, path):
    # By name when every weighted layer of the model is in the file (Keras's own applications files, and a
    # headless model reading a full file); otherwise by order, which is what Keras's load_weights does.
    file_names = keras_h5_layer_names(path)
    own = [l.name for l in model.layers if l.weights]
    if set(own) <= set(file_names):
        model.load_weights(path, by_name=True)
    elif len(own) == len(file_names):
        model.load_weights(path)
    else:
        missing = [n for n in own if n not in file_names]
        raise ValueError(f"'{path}' has weights for {len(file_names)} layers but the model '{model.name}' has "
                         f"{len(own)}, and these of its layers are not in the file: {', '.join(missing[:8])}"
                         + (" ..." if len(missing) > 8 else ""))


def load_into(model, weights, imagenet=None):
    """Loads `weights` into `model`; returns the local file it read. imagenet: (file name, Keras subfolder)."""
    spec = parse_spec(weights)
    if spec[0] == "url":
        path = fetch(spec[1], spec[2])
    elif spec[0] == "imagenet":
        path = _imagenet_path(imagenet)
    else:
        path = spec[1]
        if not os.path.exists(path):
            raise FileNotFoundError(f"weights file {path!r} does not exist")
    with open(path, "rb") as f:
        is_h5 = f.read(8) == HDF5_SIGNATURE
    if is_h5:
        _load_keras_h5(model, path)
    else:
        model.load_weights(path)
    return path
