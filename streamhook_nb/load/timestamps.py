"""Which ``received_at`` values the loader would reject, without importing pandas when it can."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_DAY = (  # a day every year has: 1-28 of any month, 29-30 but in February, 31 where it is
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_PLAIN = (  # a time surely valid: a year datetime64[ns] holds, such a day, any offset
    r"(?:1(?:6(?:7[89]|[89]\d)|[7-9]\d\d)|2(?:[01]\d\d|2[0-5]\d|26[01]))"
    rf"-{_DAY}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,9}})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
)
_ALL_PLAIN = re.compile(rf"(?:{_PLAIN}\n)*{_PLAIN}", re.ASCII)
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")
_PANDAS_YEARS = range(1678, 2262)  # datetime64[ns] holds these years


def invalid_times(values: Sequence[str | None]) -> list[int]:
    """Indexes of the values that are not ISO 8601 times (``None`` is valid: unknown).

    The form our receiver writes is checked here (a whole batch in one regular expression
    when it can be); any other form is left to pandas, the loader's own parser, so both
    always agree.
    """
    present = [value for value in values if value is not None]
    joined = "\n".join(present)
    if joined.count("\n") == len(present) - 1 and _ALL_PLAIN.fullmatch(joined):
        return []
    unsure: list[int] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if _CANONICAL.fullmatch(value) and int(value[:4]) in _PANDAS_YEARS:
            try:
                datetime.fromisoformat(value)
                continue
            except ValueError:
                pass
        unsure.append(index)
    if not unsure:
        return []
    import pandas as pd

    parsed = pd.to_datetime(
        pd.Series([values[i] for i in unsure], dtype="object"),
        format="ISO8601",
        utc=True,
        errors="coerce",
    )
    return [index for index, missing in zip(unsure, out_of_range(parsed), strict=True) if missing]


def out_of_range(parsed: pd.Series) -> pd.Series:
    """Parsed times that a ``datetime64[ns]`` column cannot hold, or NaT (pandas 3 parses far
    years such as 2300 at a coarser resolution; the frame's ``received_at`` is in ns)."""
    import pandas as pd

    first = pd.Timestamp.min.tz_localize("UTC")
    last = pd.Timestamp.max.tz_localize("UTC")
    return parsed.isna() | ~parsed.between(first, last)
