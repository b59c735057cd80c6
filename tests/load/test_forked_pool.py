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


def _dies_on_two(number: int) -> int:
    if number == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return number


def test_a_worker_that_dies_stops_the_wait_with_an_error() -> None:
    import pytest

    from streamhook_nb.errors import WorkerLostError
    from streamhook_nb.load.log_ranges import forked_pool, results

    with forked_pool(2) as pool:
        assert list(results(pool, abs, [-1, -2, 3])) == [1, 2, 3]
        with pytest.raises(WorkerLostError, match="a worker process stopped before finishing"):
            list(results(pool, _dies_on_two, [1, 2, 3]))


def test_a_load_whose_worker_dies_fails_cleanly(tmp_path: object) -> None:
    from pathlib import Path

    import pytest

    from streamhook_nb import load_log
    from streamhook_nb.errors import WorkerLostError
    from streamhook_nb.load import log_ranges, shared_batches, split_load

    data = Path(__file__).resolve().parents[2] / "data" / "story"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_ranges, "can_fork", lambda: True)
        patch.setattr(split_load, "_load_range", _killed)
        before = set(shared_batches.SHARED_MEMORY.glob(f"streamhook-{os.getpid()}-*.arrow"))
        with pytest.raises(WorkerLostError):
            load_log(data, progress=False)
        assert set(shared_batches.SHARED_MEMORY.glob(f"streamhook-{os.getpid()}-*.arrow")) == before


def _killed(task: object) -> object:
    os.kill(os.getpid(), signal.SIGKILL)
    return task


def test_tasks_made_as_needed_stay_a_few_ahead_and_damage_comes_after_them() -> None:
    import pytest

    from streamhook_nb.errors import WorkerLostError
    from streamhook_nb.load.log_ranges import bounded_results, forked_pool

    made: list[int] = []

    def tasks() -> object:
        for number in range(1, 7):
            made.append(number)
            yield number
        raise EOFError("cut short")

    seen: list[tuple[int, int]] = []

    def take_all(results: object) -> None:
        for result in results:  # type: ignore[attr-defined]
            seen.append((result, len(made)))

    with forked_pool(2) as pool:
        with pytest.raises(EOFError, match="cut short"):
            take_all(bounded_results(pool, abs, tasks(), ahead=2))  # type: ignore[arg-type]
        assert [result for result, _ in seen] == [1, 2, 3, 4, 5, 6]
        assert all(count <= result + 2 for result, count in seen)  # never more than 2 ahead
        with pytest.raises(WorkerLostError, match="a worker process stopped before finishing"):
            list(bounded_results(pool, _dies_on_two, [1, 2, 3], ahead=2))
