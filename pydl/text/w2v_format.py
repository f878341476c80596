"""The word2vec C tool's vector files: a header "<count> <dim>\\n", then per word either "<word> <v1> ... <vd>\\n"
(text) or "<word> " + dim little-endian float32 + "\\n" (binary). Loading checks the declared sizes against the file's
real size before allocating, and every row; a malformed file is a CorruptFileError (a ValueError) naming the file,
the row and what was wrong."""
import os
import warnings

import numpy as np

from ..saving.atomic import atomic_write
from ..saving.errors import CorruptFileError

MAX_WORD_BYTES = 1 << 16  # a longer "word" in a binary file means the file is not what it claims


def save(path, keys, vectors, binary=False):
    """Writes keys (strings without whitespace) and their (n, dim) vectors atomically."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    for k in keys:
        if not isinstance(k, str) or not k or any(c.isspace() for c in k):
            raise ValueError(f"save_word2vec_format: key {k!r} cannot be written (keys must be non-empty strings "
                             "without whitespace)")
    parts = [f"{len(keys)} {vectors.shape[1]}\n".encode()]
    if binary:
        le = vectors.astype("<f4")
        for k, row in zip(keys, le):
            parts += [k.encode("utf-8"), b" ", row.tobytes(), b"\n"]
    else:  # %.9g reads back to the same float32
        for k, row in zip(keys, vectors):
            parts.append((k + " " + " ".join("%.9g" % v for v in row.tolist()) + "\n").encode("utf-8"))
    atomic_write(path, b"".join(parts))


def _header(path, f, size):
    line = f.readline(256)
    fields = line.split()
    if len(fields) != 2 or not line.endswith(b"\n"):
        raise CorruptFileError(f"'{path}': the first line must be '<count> <dim>', got {line[:60]!r}")
    try:
        count, dim = int(fields[0]), int(fields[1])
    except ValueError:
        raise CorruptFileError(f"'{path}': the first line must be '<count> <dim>', got {line[:60]!r}") from None
    if count < 0 or dim < 1:
        raise CorruptFileError(f"'{path}': the header declares {count} vectors of dimension {dim} (need count >= 0, "
                               "dim >= 1)")
    return count, dim, size - len(line)


def load(path, binary=False, limit=None, encoding="utf8", unicode_errors="strict"):
    """(keys, vectors float32 (n, dim)); `limit` reads only the first vectors."""
    path = os.fspath(path)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"load_word2vec_format: limit must be None or an int >= 0, got {limit!r}")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        count, dim, body = _header(path, f, size)
        # The smallest row: a 1-byte word, a separator and the values ("0 " each in text, 4 bytes in binary).
        row_min = 2 + (4 * dim if binary else 2 * dim)
        if count * row_min > body:
            raise CorruptFileError(f"'{path}': the header declares {count} vectors of dimension {dim}, which need at "
                                   f"least {count * row_min} bytes, but the file has only {body} after the header")
        n = count if limit is None else min(count, limit)
        vectors = np.empty((n, dim), np.float32)
        keys, seen = [], set()

        def decode(raw, row):
            try:
                return raw.decode(encoding, errors=unicode_errors)
            except UnicodeDecodeError as e:
                raise CorruptFileError(f"'{path}': the word of row {row + 1} is not valid {encoding} ({e})") from None

        def add(word, values, row):
            if word in seen:  # as gensim: the first vector of a duplicated word wins
                warnings.warn(f"'{path}': duplicate word {word!r} at row {row + 1}, ignoring all but the first",
                              stacklevel=3)
                return
            seen.add(word)
            vectors[len(keys)] = values
            keys.append(word)

        for row in range(n):
            if binary:
                word = _binary_word(path, f, row)
                raw = f.read(4 * dim)
                if len(raw) != 4 * dim:
                    raise CorruptFileError(f"'{path}': the file ends inside vector {row + 1} of {count} (declared)")
                add(decode(word, row), np.frombuffer(raw, "<f4"), row)
            else:
                line = f.readline()
                if not line:
                    raise CorruptFileError(f"'{path}': the header declares {count} vectors but the file ends after "
                                           f"{row}")
                fields = line.rstrip(b"\r\n").split(b" ")
                fields = [x for x in fields if x]
                if len(fields) != dim + 1:
                    raise CorruptFileError(f"'{path}': row {row + 1} has {len(fields) - 1} values after the word, "
                                           f"expected {dim}")
                try:
                    values = np.array([float(x) for x in fields[1:]], np.float32)
                except ValueError:
                    raise CorruptFileError(f"'{path}': row {row + 1} has a value that is not a number") from None
                add(decode(fields[0], row), values, row)
        if limit is None and f.read(64).strip():
            raise CorruptFileError(f"'{path}': the file holds more data after the {count} declared vectors")
    if len(keys) < n:  # duplicates were dropped
        vectors = vectors[:len(keys)].copy()
    return keys, vectors


def _binary_word(path, f, row):
    out = bytearray()
    while True:
        ch = f.read(1)
        if not ch:
            raise CorruptFileError(f"'{path}': the file ends inside the word of row {row + 1}")
        if ch == b" ":
            break
        if ch == b"\n" and not out:  # the newline that ends the previous row
            continue
        out += ch
        if len(out) > MAX_WORD_BYTES:
            raise CorruptFileError(f"'{path}': the word of row {row + 1} is longer than {MAX_WORD_BYTES} bytes")
    if not out:
        raise CorruptFileError(f"'{path}': row {row + 1} has an empty word")
    return bytes(out)
