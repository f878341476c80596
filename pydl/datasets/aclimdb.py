"""The raw IMDB reviews (Maas et al. 2011, "aclImdb"): texts and labels read from the folder tree
aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt.

load_data() finds aclImdb_v1.tar.gz in the cache (PYDL_DATA_DIR or ~/.pydl/datasets), downloads it when the network
allows, checks its published MD5, unpacks it once beside the archive and reads the folder; read_folder() reads a tree
that is already unpacked. Labels: 1 = pos, 0 = neg. The unlabelled train/unsup reviews are not read.
"""
import os
import tarfile

import numpy as np

from .files import cache_dir, get_file

ORIGIN = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
SPLITS = ("train", "test")
LABELS = (("neg", 0), ("pos", 1))


def _read_split(folder):
    texts, labels = [], []
    for name, label in LABELS:
        sub = os.path.join(folder, name)
        if not os.path.isdir(sub):
            raise ValueError(f"{folder} has no {name}/ folder: not an aclImdb split (expected pos/ and neg/)")
        files = sorted(f for f in os.listdir(sub) if f.endswith(".txt"))
        for f in files:
            with open(os.path.join(sub, f), encoding="utf-8") as fh:
                texts.append(fh.read())
        labels += [label] * len(files)
    return texts, np.asarray(labels, np.int64)


def read_folder(root, seed=113):
    """((texts_train, y_train), (texts_test, y_test)) from an unpacked aclImdb folder; each split is shuffled with
    `seed` (None keeps the neg-then-pos file order)."""
    if not os.path.isdir(root):
        raise OSError(f"aclImdb folder not found: {root}")
    out = []
    for i, split in enumerate(SPLITS):
        folder = os.path.join(root, split)
        if not os.path.isdir(folder):
            raise ValueError(f"{root} has no {split}/ folder: not an aclImdb tree")
        texts, labels = _read_split(folder)
        if seed is not None:
            order = np.random.RandomState(seed + i).permutation(len(texts))
            texts, labels = [texts[j] for j in order], labels[order]
        out.append((texts, labels))
    return tuple(out)


def _safe_extract(archive, dest):
    """Unpacks only regular files and folders whose paths stay inside `dest` (a tar may name ../ or links)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        top = os.path.realpath(dest)
        for m in members:
            target = os.path.realpath(os.path.join(dest, m.name))
            if not (m.isfile() or m.isdir()) or os.path.commonpath([top, target]) != top:
                raise ValueError(f"{archive}: refusing to unpack member {m.name!r} (a link or a path outside "
                                 f"{dest})")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.12 (and patched 3.9-3.11): also drops special modes
            tar.extractall(dest, members=members, filter="data")
        else:
            tar.extractall(dest, members=members)


def load_data(path="aclImdb_v1.tar.gz", seed=113):
    """((texts_train, y_train), (texts_test, y_test)) of the review texts. `path` is relative to the cache folder
    (or absolute); the archive is unpacked once into an `aclImdb` folder next to it."""
    archive = get_file(path, ORIGIN, file_hash=MD5)
    parent = os.path.dirname(archive) or cache_dir()
    root = os.path.join(parent, "aclImdb")
    done = os.path.join(root, ".complete")
    if not os.path.exists(done):
        _safe_extract(archive, parent)
        if not os.path.isdir(root):
            raise ValueError(f"{archive} holds no aclImdb/ folder")
        open(done, "w").close()  # a marker: an interrupted unpack is redone
    return read_folder(root, seed=seed)
