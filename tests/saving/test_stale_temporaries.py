"""A save killed mid-write leaves `<path>.tmp-<pid>`; the next save to that path removes the temporaries of dead
processes and never those of live ones."""
import os
import signal
import subprocess
import sys

from pydl.saving.atomic import remove_stale_temporaries
from saving_files import small_model


def dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_next_save_removes_dead_processes_temporaries_only(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = tmp_path / "m.pydl"
        dead = tmp_path / f"m.pydl.tmp-{dead_pid()}"
        alive = tmp_path / f"m.pydl.tmp-{live.pid}"
        own = tmp_path / f"m.pydl.tmp-{os.getpid()}-x"  # not a pid suffix: left alone
        other_target = tmp_path / f"other.pydl.tmp-{dead_pid()}"
        junk = tmp_path / "m.pydl.tmp-notapid"
        for f in (dead, alive, own, other_target, junk):
            f.write_bytes(b"partial")
        small_model().save(str(path))
        assert not dead.exists()
        assert alive.exists() and own.exists() and other_target.exists() and junk.exists()
        assert path.exists()
    finally:
        live.send_signal(signal.SIGKILL)
        live.wait()
    # once the live writer is gone, the next save reclaims its temporary too
    small_model().save_weights(str(path))
    assert not alive.exists()


def test_glob_characters_in_the_path_are_literal(tmp_path):
    path = str(tmp_path / "m[1].pydl")
    stale = f"{path}.tmp-{dead_pid()}"
    near = str(tmp_path / f"m1.pydl.tmp-{dead_pid()}")
    for f in (stale, near):
        open(f, "wb").close()
    assert remove_stale_temporaries(path) == [stale]
    assert os.path.exists(near)
