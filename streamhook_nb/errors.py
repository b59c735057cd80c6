"""One exception root with a shallow tree; each error names where it happened and the fix."""

from __future__ import annotations


class StreamhookError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, fix: str | None = None) -> None:
        self.message = message
        self.source = source
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.source}: {self.message}" if self.source else self.message
        return f"{text}. {self.fix}" if self.fix else text


class UsageError(StreamhookError):
    """The caller asked for something that cannot work (bad option, bad URL)."""


class SourceError(StreamhookError):
    """A source could not be opened, read or recognised."""


class ApiError(StreamhookError):
    """Stream's API refused a request or could not be reached; the settings are untouched."""


class RecordError(StreamhookError):
    """One record in a source is malformed (raised only in strict mode)."""
