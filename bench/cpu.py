"""CPU accounting from /proc, to tell how much of the machine other work took during a benchmark run."""

import os
from pathlib import Path

CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICK


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process, its reaped children and its live children's trees (PostgreSQL backends, gunicorn
    workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / CLOCK_TICK  # utime, stime, cutime, cstime
    return own + sum(tree_cpu_seconds(int(child)) for child in children)


class OthersMeter:
    """Share of the machine's CPU that processes outside `pids` (and their children) used between start and stop."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def _ours(self) -> float:
        """CPU of the benchmark's own processes."""
        return sum(tree_cpu_seconds(pid) for pid in self.pids)

    def start(self) -> None:
        """Begin a measurement."""
        self.machine, self.ours = machine_cpu_seconds(), self._ours()
        self.wall = os.times().elapsed

    def stop(self) -> float:
        """Others' CPU since start, as a fraction of all cores."""
        others = (machine_cpu_seconds() - self.machine) - (self._ours() - self.ours)
        return max(0.0, others) / ((os.times().elapsed - self.wall) * os.cpu_count())
