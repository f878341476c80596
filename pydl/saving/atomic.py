"""Atomic writes: a fsynced temporary `<path>.tmp-<pid>` renamed over the target with os.replace. A process killed
mid-save leaves its temporary behind; the next save to the same path removes those whose process is gone."""
import glob
import os


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # another user's live process; a pid out of range
        return pid > 0 and not isinstance(pid, bool) and pid < 2 ** 31
    return True


def remove_stale_temporaries(path):
    """Removes `<path>.tmp-<pid>` files of dead processes (this process's and live ones' are left alone)."""
    removed = []
    for tmp in glob.glob(glob.escape(path) + ".tmp-*"):
        suffix = tmp[len(path) + len(".tmp-"):]
        if not suffix.isdigit() or not suffix.isascii():
            continue
        pid = int(suffix)
        if pid == os.getpid() or pid <= 0 or _pid_alive(pid):
            continue
        try:
            os.unlink(tmp)
            removed.append(tmp)
        except OSError:  # raced with another saver, or not ours to remove
            pass
    return removed


def atomic_write(path, data):
    """Writes bytes to path via a fsynced temporary file and os.replace; removes the temporary on any failure."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(path)
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
