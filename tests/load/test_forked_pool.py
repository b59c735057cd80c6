"""Ctrl-C while forked workers run stops the command without a traceback from each worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

_SCRIPT = textwrap.dedent(
    """
    import os, time
    from streamhook_nb.load.log_ranges import forked_pool

    def work(_):
        os.write(1, b"started\\n")  # one write: two workers' lines never interleave
        while True:
            time.sleep(0.05)

    try:
        with forked_pool(2) as pool:
            pool.map(work, [1, 2])
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    """
)


def test_ctrl_c_reaches_the_parent_and_the_workers_stay_quiet() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    assert child.stdout is not None
    try:
        for _ in range(2):  # both workers are running
            assert child.stdout.readline() == "started\n"
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
        out, err = child.communicate(timeout=60)
    finally:  # a failed check leaves no process behind for the next tests
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert out == "interrupted\n"
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
