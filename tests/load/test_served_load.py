"""Where this process cannot fork (a Jupyter kernel runs threads), a big log is still loaded
on every core, by workers started from a server process, with the same result."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
from golden_snapshot import corpus

_IN_A_THREADED_SESSION = textwrap.dedent(
    """
    import sys, threading
    from multiprocessing import forkserver
    import pandas as pd
    from streamhook_nb import load_log
    from streamhook_nb.load import log_ranges, split_load
    from streamhook_nb.load.sources import expand

    threading.Thread(target=threading.Event().wait, daemon=True).start()  # as in a kernel
    log_ranges.SPLIT_MIN_BYTES = split_load.SERVED_MIN_BYTES = 1  # a small log, split
    assert not log_ranges.can_fork() and log_ranges.can_serve()
    assert len(split_load.plan(expand(sys.argv[1]), None)) == 2
    served = load_log(sys.argv[1], progress=False)
    assert forkserver._forkserver._forkserver_pid is not None  # the workers came from it
    split_load.SERVED_MIN_BYTES = 1 << 62  # now too small to serve: loaded here
    assert split_load.plan(expand(sys.argv[1]), None) == []
    here = load_log(sys.argv[1], progress=False)
    pd.testing.assert_frame_equal(served.deliveries, here.deliveries)
    pd.testing.assert_frame_equal(served.rejected, here.rejected)
    print(len(served.deliveries), len(served.rejected))
    """
)


def _in_a_session(code: str, path: Path) -> str:
    """What ``code`` prints, run by a fresh interpreter with ``path`` as its argument."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_threaded_session_loads_on_served_workers_what_it_loads_alone(tmp_path: Path) -> None:
    log = corpus(tmp_path)["bare"]
    deliveries, rejected = map(int, _in_a_session(_IN_A_THREADED_SESSION, log).split())
    assert deliveries > 1500
    assert rejected > 3


def test_a_script_is_never_run_again_by_a_server_process(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("from streamhook_nb.load import log_ranges\nprint(log_ranges.can_serve())\n")
    as_file = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    as_code = subprocess.run(
        [sys.executable, "-c", script.read_text()], capture_output=True, text=True
    )
    as_module = subprocess.run(
        [sys.executable, "-m", "script"], capture_output=True, text=True, cwd=tmp_path
    )
    assert (as_file.stdout, as_code.stdout, as_module.stdout) == ("False\n", "True\n", "False\n")


_FILES_IN_A_THREADED_SESSION = textwrap.dedent(
    """
    import sys, threading
    import pandas as pd
    from streamhook_nb import load_log
    from streamhook_nb.load import log_ranges, split_load
    from streamhook_nb.load.sources import expand

    threading.Thread(target=threading.Event().wait, daemon=True).start()  # as in a kernel
    split_load.FILES_MIN_BYTES = split_load.SERVED_MIN_BYTES = 1
    parts = split_load.plan(expand(sys.argv[1]), None)
    assert len(parts) == 7 and all(part.end is None for part in parts), parts
    served = load_log(sys.argv[1], progress=False)
    split_load.SERVED_MIN_BYTES = 1 << 62
    here = load_log(sys.argv[1], progress=False)
    pd.testing.assert_frame_equal(served.deliveries, here.deliveries)
    pd.testing.assert_frame_equal(served.rejected, here.rejected)
    print(len(served.deliveries))
    """
)


def test_a_threaded_session_loads_daily_gzip_logs_on_served_workers() -> None:
    story = Path(__file__).resolve().parents[2] / "data" / "story"
    assert int(_in_a_session(_FILES_IN_A_THREADED_SESSION, story)) == 18656


_GZIP_IN_A_THREADED_SESSION = textwrap.dedent(
    """
    import sys, threading
    from multiprocessing import forkserver
    import pandas as pd
    from streamhook_nb import load_log
    from streamhook_nb.load import block_tasks, inflated_split, split_load
    from streamhook_nb.load.sources import expand

    threading.Thread(target=threading.Event().wait, daemon=True).start()  # as in a kernel
    block_tasks.MIN_BYTES = split_load.SERVED_MIN_BYTES = 1
    block_tasks.TASK_BYTES = 50_000
    assert inflated_split.inflated_log(expand(sys.argv[1]), None)
    served = load_log(sys.argv[1], progress=False)
    assert forkserver._forkserver._forkserver_pid is not None  # the workers came from it
    split_load.SERVED_MIN_BYTES = 1 << 62  # now too small to serve: loaded here
    assert not inflated_split.inflated_log(expand(sys.argv[1]), None)
    here = load_log(sys.argv[1], progress=False)
    pd.testing.assert_frame_equal(served.deliveries, here.deliveries)
    pd.testing.assert_frame_equal(served.rejected, here.rejected)
    print(len(served.deliveries), len(served.rejected))
    """
)


def test_a_threaded_session_loads_a_big_gzip_log_on_served_workers(tmp_path: Path) -> None:
    import gzip

    plain = corpus(tmp_path)["full"]
    log = tmp_path / "full.jsonl.gz"
    log.write_bytes(gzip.compress(plain.read_bytes()))
    deliveries, rejected = map(int, _in_a_session(_GZIP_IN_A_THREADED_SESSION, log).split())
    assert deliveries > 1500
    assert rejected > 3
