"""The worker pools: which flag, queue and broker user each one has. The names are the ones
issue 8 and the masked-mode pools use; every deployment file must agree with this table."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Pool:
    name: str
    flag: str | None  # securenets-worker --pool <flag>; None: no --pool (blinded mode)
    queue: str
    user: str


POOLS = {
    "blinded": Pool("blinded", None, "securenets.jobs", "securenets-worker"),
    "data": Pool("data", "data", "securenets.jobs.data", "securenets-worker-data"),
    "mask": Pool("mask", "mask", "securenets.jobs.mask", "securenets-worker-mask"),
}

# Queues no worker may read or write (replies carry the verifier's signed verdicts; results are read by
# the verifier only).
FORBIDDEN_TO_WORKERS = ("securenets.results", "securenets.replies", "securenets.reply.job-1")


def pool_of_flag(flag: str | None) -> Pool:
    for pool in POOLS.values():
        if pool.flag == flag:
            return pool
    raise KeyError(flag)
