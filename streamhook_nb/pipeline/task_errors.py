"""A user error raised by a cluster task comes back as the task's result, not as a crash.

A file that cannot be read is the user's to fix, not a bug: raised in a task, Dask's worker
would log it as "Compute Failed" with a traceback (on this terminal, for a local cluster).
Each task runs through :func:`returning_user_errors`, and the client raises the error again
(:func:`raised`) with the message a local run gives, the first in input order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from streamhook_nb.errors import StreamhookError

T = TypeVar("T")


@dataclass(frozen=True)
class UserErrorResult:
    """What a task returns instead of raising a user error."""

    error: StreamhookError


class returning_user_errors(Generic[T]):  # noqa: N801 (used as a function)
    """``function`` as a task that returns its user error (:class:`UserErrorResult`); the task
    keeps the function's name (Dask names its keys, and the dashboard its bars, after it)."""

    def __init__(self, function: Callable[..., T]) -> None:
        self.function = function
        self.__name__ = function.__name__

    def __call__(self, *args: Any) -> T | UserErrorResult:
        try:
            return self.function(*args)
        except StreamhookError as exc:
            return UserErrorResult(exc)


def raised(result: T | UserErrorResult) -> T:
    """The task's result, or its user error raised here."""
    if isinstance(result, UserErrorResult):
        raise result.error
    return result


class for_each_part(Generic[T]):  # noqa: N801 (used as a function)
    """``function`` as a task over several parts (small whole files gathered, see
    ``log_ranges.gathered``): a result or a user error per part, in order; the task keeps the
    function's name."""

    def __init__(self, function: Callable[..., T]) -> None:
        self.task = returning_user_errors(function)
        self.__name__ = function.__name__

    def __call__(self, parts: tuple[Any, ...], *args: Any) -> list[T | UserErrorResult]:
        return [self.task(part, *args) for part in parts]
