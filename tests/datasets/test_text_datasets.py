"""The raw aclImdb reviews and the IMDB word index, on small trees, archives and JSON files generated here."""
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from pydl.datasets import aclimdb, imdb

REVIEWS = {("train", "pos"): ["Great film.", "Loved it!"], ("train", "neg"): ["Dull.", "Awful acting.", "Bad."],
           ("test", "pos"): ["A gem."], ("test", "neg"): ["Boring <br />plot."]}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("PYDL_DATA_DIR", str(d))
    return d


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def write_tree(root):
    for (split, label), texts in REVIEWS.items():
        d = root / split / label
        d.mkdir(parents=True)
        for i, t in enumerate(texts):
            (d / f"{i}_{7 if label == 'pos' else 2}.txt").write_text(t, encoding="utf-8")
    (root / "train" / "unsup").mkdir()  # unlabelled reviews are ignored
    (root / "train" / "unsup" / "0_0.txt").write_text("unlabelled")


def test_read_folder_texts_and_labels(tmp_path):
    write_tree(tmp_path / "aclImdb")
    (xt, yt), (xv, yv) = aclimdb.read_folder(tmp_path / "aclImdb", seed=None)
    assert xt == ["Dull.", "Awful acting.", "Bad.", "Great film.", "Loved it!"] and yt.tolist() == [0, 0, 0, 1, 1]
    assert xv == ["Boring <br />plot.", "A gem."] and yv.tolist() == [0, 1] and yt.dtype == np.int64
    (xs, ys), _ = aclimdb.read_folder(tmp_path / "aclImdb", seed=1)
    assert sorted(xs) == sorted(xt) and xs != xt  # shuffled, pairs kept together
    assert all(ys[xs.index(t)] == yt[xt.index(t)] for t in xt)
    assert aclimdb.read_folder(tmp_path / "aclImdb", seed=1)[0][0] == xs  # the same seed, the same order


def test_read_folder_bad_trees(tmp_path):
    with pytest.raises(OSError, match="not found"):
        aclimdb.read_folder(tmp_path / "missing")
    (tmp_path / "a" / "train" / "pos").mkdir(parents=True)
    with pytest.raises(ValueError, match="no neg/ folder"):
        aclimdb.read_folder(tmp_path / "a")


def test_load_data_unpacks_the_cached_archive_once(cache, tmp_path, monkeypatch):
    write_tree(tmp_path / "src" / "aclImdb")
    cache.mkdir()
    with tarfile.open(cache / "aclImdb_v1.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "aclImdb", arcname="aclImdb")
    monkeypatch.setattr(aclimdb, "MD5", md5(cache / "aclImdb_v1.tar.gz"))
    (xt, yt), (xv, yv) = aclimdb.load_data(seed=None)
    assert len(xt) == 5 and yt.sum() == 2 and xv[1] == "A gem." and (cache / "aclImdb" / ".complete").exists()
    (cache / "aclImdb" / "test" / "pos" / "0_7.txt").write_text("changed")
    assert aclimdb.load_data(seed=None)[1][0][1] == "changed"  # read from the unpacked folder, not unpacked again
    monkeypatch.setattr(aclimdb, "MD5", "0" * 32)
    with pytest.raises(ValueError, match="digest"):
        aclimdb.load_data()


def test_archive_with_an_escaping_member_is_refused(cache, monkeypatch):
    cache.mkdir()
    with tarfile.open(cache / "aclImdb_v1.tar.gz", "w:gz") as tar:
        data = b"x"
        info = tarfile.TarInfo("../evil.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(aclimdb, "MD5", md5(cache / "aclImdb_v1.tar.gz"))
    with pytest.raises(ValueError, match="refusing to unpack member '../evil.txt'"):
        aclimdb.load_data()
    assert not (cache.parent / "evil.txt").exists()


def test_missing_archive_offline_says_where_to_put_it(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(aclimdb, "ORIGIN", (tmp_path / "nowhere.tar.gz").as_uri())
    with pytest.raises(OSError, match=r"Place the file at .*aclImdb_v1.tar.gz \(MD5 7c2ac02c"):
        aclimdb.load_data()


def test_word_index_cached_validated_and_downloaded(cache, tmp_path, monkeypatch):
    src = tmp_path / "origin"
    src.mkdir()
    (src / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2, "film": 19}))
    monkeypatch.setattr(imdb, "KERAS_ORIGIN", src.as_uri() + "/")
    monkeypatch.setattr(imdb, "WORD_INDEX_MD5", md5(src / "imdb_word_index.json"))
    assert imdb.get_word_index() == {"the": 1, "and": 2, "film": 19}  # downloaded into the cache
    assert (cache / "imdb_word_index.json").exists()
    assert imdb.get_word_index()["film"] == 19  # now from the cache


@pytest.mark.parametrize("content, message", [
    ("not json", "not a JSON word index"), ("[1, 2]", "non-empty JSON object"), ("{}", "non-empty JSON object"),
    ('{"a": 1, "b": 0}', "index of 'b' is 0"), ('{"a": 1.5}', "index of 'a' is 1.5"),
    ('{"a": true}', "index of 'a' is True"), ('{"a": 1, "b": 1}', "share an index")])
def test_bad_word_index_files(cache, monkeypatch, content, message):
    cache.mkdir()
    (cache / "imdb_word_index.json").write_text(content)
    monkeypatch.setattr(imdb, "WORD_INDEX_MD5", md5(cache / "imdb_word_index.json"))
    with pytest.raises(ValueError, match=message):
        imdb.get_word_index()
