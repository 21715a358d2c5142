"""A worker started with ``nice`` keeps its lower priority against other sessions' processes
(Linux autogroup scheduling), and never changes the priority of a session it shares."""

import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import AUTOGROUP

ROOT = Path(__file__).resolve().parents[2]
# What a worker runs at start (celery's worker_init), then the autogroup it ends up in. A
# process in the kernel's default autogroup (a session that init never left, as a CI runner's
# may be) reads the file as empty: only the autogroups that sessions create have a line.
WORKER_START = (
    "from config.celery import keep_niceness_across_sessions as start\n"
    "start()\n"
    "print(open('/proc/self/autogroup').read(), end='')\n"
)

pytestmark = pytest.mark.skipif(
    not AUTOGROUP.exists(), reason="this kernel schedules without autogroups"
)


def _start_worker(*, own_session: bool) -> str:
    """The autogroup of a worker started ``nice -n 10``, as the kernel describes it."""
    completed = subprocess.run(
        ["nice", "-n", "10", sys.executable, "-c", WORKER_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=own_session,
    )
    return completed.stdout


def test_a_niced_worker_leading_its_session_lowers_the_sessions_priority():
    assert _start_worker(own_session=True).split()[-2:] == ["nice", "10"]


def test_a_niced_worker_in_a_shared_session_leaves_the_session_alone():
    before = AUTOGROUP.read_text()

    assert _start_worker(own_session=False) == before
    assert AUTOGROUP.read_text() == before
