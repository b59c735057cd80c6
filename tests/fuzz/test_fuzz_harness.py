"""The fuzz harness itself: its alarm really stops a hang."""

from __future__ import annotations

import pytest
from fuzzing import HangError, time_limit


def _spin_forever() -> None:
    with time_limit(1):
        while True:
            pass


def test_the_alarm_stops_an_endless_loop() -> None:
    with pytest.raises(HangError, match="more than 1 s"):
        _spin_forever()
