"""Run by test_mpi_jobs.py under `mpiexec -n 2` without PYDL_NUM_THREADS: init() gives each of the 2 ranks on this
machine half of its cores (at least 1), so that they do not oversubscribe it."""
import json
import os

import pydl
import pydl.distributed as dist

cores = len(os.sched_getaffinity(0))
assert pydl.get_num_threads() == cores, (pydl.get_num_threads(), cores)  # the default before init
dist.init()
assert dist.local_size() == 2
assert pydl.get_num_threads() == max(1, cores // 2), (pydl.get_num_threads(), cores)
if dist.is_primary():
    print("RESULT " + json.dumps({"cores": cores, "threads": pydl.get_num_threads()}), flush=True)
