"""Run by test_mpi_jobs.py under `mpiexec -n 2`. `raise`: rank 1 raises while rank 0 waits in an allreduce; the
excepthook that init() installs must abort the job. `timeout`: rank 1 never joins the allreduce; rank 0 must give up
after PYDL_MPI_TIMEOUT seconds. `die`: rank 1 is killed by SIGKILL; mpiexec must end rank 0. Either way the job
must end non-zero, with a message naming the failing rank."""
import os
import signal
import sys
import time

import pydl
import pydl.distributed as dist


def main(mode):
    dist.init()
    dist.barrier()
    if dist.rank() == 1:
        if mode == "raise":
            raise ValueError("deliberate failure in the test")
        if mode == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(120)  # a hung rank: only an abort from rank 0 ends it
    for _ in range(1000):
        dist.allreduce(pydl.ones(1000), inplace=True)
    print("UNREACHABLE: rank 0 finished its allreduces", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
