"""Two-rank MPI jobs (each a second or two): data-parallel training equals one process on the global batch, a rank-0
checkpoint resumes exactly, collectives on awkward tensors, fusion-buffer boundaries, and failing ranks that end
the job instead of hanging."""
import json

import pytest


def _ok(rc, out, err):
    """The JSON of the RESULT line rank 0 prints, once the job has exited 0."""
    assert rc == 0, f"mpiexec exited {rc}\nstdout:\n{out}\nstderr:\n{err}"
    lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
    assert len(lines) == 1, f"expected one RESULT line, got:\n{out}"
    return json.loads(lines[0][len("RESULT "):])


def test_two_ranks_train_as_one_process_on_the_global_batch(mpirun):
    # the worker asserts: identical weights on both ranks (bitwise), equal to the one-process run to fp32 rounding
    got = _ok(*mpirun("worker_train.py")[:3])
    for kind in ("mlp", "cnn"):
        assert got[kind]["max_weight_change"] > 1e-3
        assert got[kind]["max_abs_diff"] < 1e-6
        assert got[kind]["allreduce_calls"] == 8  # 2 epochs x 4 steps, every gradient in one fusion buffer


def test_a_rank0_checkpoint_resumes_to_the_same_weights(mpirun, tmp_path):
    got = _ok(*mpirun("worker_resume.py", str(tmp_path))[:3])  # asserts bitwise equality with a straight run
    assert got["iterations"] == 8 and got["moved"] > 1e-3
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pydl"]


@pytest.mark.parametrize("timeout", ["", "30"])  # blocking MPI calls, or non-blocking ones polled under a timeout
def test_collectives_and_fusion_boundaries(mpirun, timeout):
    got = _ok(*mpirun("worker_collectives.py", env={"PYDL_FUSION_THRESHOLD": "100", "PYDL_MPI_TIMEOUT": timeout})[:3])
    assert got["cases"] == 12
    assert got["plan"] == [[0, 1], [2, 6], [3, 4, 7], [5]]
    assert got["local_rank"] == 0


@pytest.mark.parametrize("mode,failing,words", [
    ("raise", 1, "ValueError: deliberate failure in the test"),
    ("timeout", 0, "did not complete within PYDL_MPI_TIMEOUT=2 s"),
    ("die", 1, "Killed (signal 9)"),  # killed outright: mpiexec ends the others and says so
])
def test_a_failing_rank_ends_the_job_with_its_rank_named(mpirun, mode, failing, words):
    # only the timeout case sets one: otherwise rank 0 waits in a blocking allreduce that only an abort can end
    rc, out, err, seconds = mpirun("worker_fault.py", mode, env={"PYDL_MPI_TIMEOUT": "2" if mode == "timeout" else ""},
                                   timeout=60)
    assert rc != 0
    assert "UNREACHABLE" not in out
    text = err + out
    assert words in text, text
    if mode != "die":
        assert f"rank {failing} of 2" in err, err
    assert seconds < 50  # bounded: rank 1 in the timeout case would sleep 120 s


def test_ranks_on_one_machine_share_its_cores(mpirun):
    got = _ok(*mpirun("worker_threads.py", env={"PYDL_NUM_THREADS": None})[:3])
    assert got["threads"] == max(1, got["cores"] // 2)


def test_fit_distributed_on_arrays_equals_one_process(mpirun):
    rc, out, err, _ = mpirun("worker_fit.py")  # asserts equal weights on both ranks and to one process (fp32)
    got = _ok(rc, out, err)
    assert got["max_abs_diff"] < 1e-6 and got["moved"] > 1e-3
    assert out.count("Epoch 1/1") == 1 and out.count("Epoch 2/2") == 1  # one progress bar: rank 0's


def _core_recipes_path(tmp_path):
    """A dist-info declaring pydl's own plugin, for a checkout that is not pip-installed (CI installs pydl, which
    declares it itself)."""
    from importlib import metadata
    if any(ep.name == "pydl" for ep in metadata.entry_points().select(group="pydl.plugins")):
        return None
    info = tmp_path / "pydl-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pydl\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[pydl.plugins]\npydl = pydl.recipes:CorePlugin\n")
    return str(tmp_path)


def test_pydl_run_recipe_distributed_prints_once(mpirun, tmp_path):
    pytest.importorskip("sklearn")  # the offline 8x8 digits
    pytest.importorskip("matplotlib")  # --plot
    site = _core_recipes_path(tmp_path)
    plot = tmp_path / "curves.png"
    rc, out, err, _ = mpirun("-m", "pydl", "run", "intermediate_net", "--distributed", "--epochs", "1", "--data",
                             "digits", "--verbose", "2", "--plot", str(plot), env={"PYTHONPATH": site} if site else {})
    assert rc == 0, f"mpiexec exited {rc}\nstdout:\n{out}\nstderr:\n{err}"
    assert out.count("final validation accuracy after 1 epochs") == 1, out
    assert out.count("data: 8x8 digits") == 1 and out.count("Epoch 1/1") == 1, out
    assert out.count(f"plot saved to {plot}") == 1 and plot.exists()


def test_pydl_run_distributed_failing_rank_ends_the_job(mpirun, tmp_path):
    """Rank 0 alone writes checkpoints; when that fails, the job must end (MPI_Abort naming the rank), not leave
    rank 1 waiting in its next allreduce."""
    pytest.importorskip("mlxtend")  # the offline Boston housing data
    site = _core_recipes_path(tmp_path)
    out_dir = tmp_path / "out"
    (out_dir / "weights.01.pydl").mkdir(parents=True)  # the first checkpoint cannot be written
    rc, out, err, seconds = mpirun("-m", "pydl", "run", "regression", "--distributed", "--epochs", "3", "--data",
                                   "boston-offline", "--output-dir", str(out_dir), "--verbose", "0",
                                   env={"PYTHONPATH": site} if site else {}, timeout=60)
    assert rc != 0 and seconds < 50
    assert "rank 0 of 2" in err and "aborting every rank" in err, err


def test_pydl_run_distributed_regression_loads_rank_zeros_best_weights(mpirun, tmp_path):
    pytest.importorskip("mlxtend")
    site = _core_recipes_path(tmp_path)
    rc, out, err, _ = mpirun("-m", "pydl", "run", "regression", "--distributed", "--epochs", "2", "--data",
                             "boston-offline", "--output-dir", str(tmp_path / "o"), "--verbose", "0",
                             env={"PYTHONPATH": site} if site else {})
    assert rc == 0, err
    assert out.count("best epoch") == 1, out
