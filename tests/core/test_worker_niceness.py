"""A worker started with ``nice`` keeps its lower priority against other sessions' processes
(Linux autogroup scheduling), and never changes the priority of a session it shares."""

import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import AUTOGROUP

ROOT = Path(__file__).resolve().parents[2]
# What a worker runs at start (celery's worker_init), then the autogroup it ends up in.
WORKER_START = (
    "from config.celery import keep_niceness_across_sessions as start\n"
    "start()\n"
    "print(open('/proc/self/autogroup').read().split()[-1])\n"
)

pytestmark = pytest.mark.skipif(
    not AUTOGROUP.exists(), reason="this kernel schedules without autogroups"
)


def _start_worker(*, own_session: bool) -> int:
    """The autogroup nice value of a worker started ``nice -n 10``."""
    completed = subprocess.run(
        ["nice", "-n", "10", sys.executable, "-c", WORKER_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=own_session,
    )
    return int(completed.stdout.strip())


def test_a_niced_worker_leading_its_session_lowers_the_sessions_priority():
    assert _start_worker(own_session=True) == 10


def test_a_niced_worker_in_a_shared_session_leaves_the_session_alone():
    before = AUTOGROUP.read_text()

    assert _start_worker(own_session=False) == int(before.split()[-1])
    assert AUTOGROUP.read_text() == before
