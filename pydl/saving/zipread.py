"""Reading ZIP members within limits: the central directory is checked against the container's real size and the
ratio limit before a member is inflated, and members are read in bounded chunks up to their declared size."""
import zipfile
import zlib

from .errors import CorruptFileError
from .limits import MAX_MEMBERS, check_member_size

CHUNK = 1 << 20


class Budget:
    """Bytes a whole load may still inflate or allocate (shared by the outer archive and the containers in it)."""

    def __init__(self, lim):
        self.lim, self.left = lim, lim.max_bytes

    def take(self, path, name, stored, declared):
        check_member_size(path, name, stored, declared, self.lim, self.left)
        self.left -= declared


def members(z, path, real_size):
    """{name: ZipInfo} after checking member count, duplicates, methods and that stored sizes fit in the file."""
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise CorruptFileError(f"'{path}' has {len(infos)} archive members (at most {MAX_MEMBERS} are read)")
    table, stored = {}, 0
    for info in infos:
        if info.filename in table:
            raise CorruptFileError(f"'{path}' has two archive members named {info.filename!r}")
        if info.flag_bits & 0x1:
            raise CorruptFileError(f"'{path}': member {info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise CorruptFileError(f"'{path}': member {info.filename} uses compression method {info.compress_type} "
                                   "(only stored and deflated members are read)")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise CorruptFileError(f"'{path}': stored member {info.filename} declares {info.file_size} bytes but "
                                   f"holds {info.compress_size}")
        stored += info.compress_size
        table[info.filename] = info
    if stored > real_size:
        raise CorruptFileError(f"'{path}': its members claim {stored} stored bytes but the file has only {real_size}")
    return table


def read_member(z, info, path, budget):
    """The member's bytes, after the budget and ratio checks; never more than its declared size is inflated."""
    budget.take(path, info.filename, info.compress_size, info.file_size)
    out = bytearray()
    try:
        with z.open(info) as f:  # zipfile stops at the declared size and checks the CRC at the end
            while True:
                chunk = f.read(min(CHUNK, info.file_size + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
                if len(out) > info.file_size:
                    raise CorruptFileError(f"'{path}': member {info.filename} inflates past its declared size")
    except (zlib.error, zipfile.BadZipFile, EOFError, OSError) as e:  # damaged deflate data, bad CRC, short file
        raise CorruptFileError(f"'{path}': member {info.filename} cannot be decompressed ({e})") from None
    if len(out) != info.file_size:
        raise CorruptFileError(f"'{path}': member {info.filename} is truncated ({len(out)} of {info.file_size} bytes)")
    return bytes(out)
