"""One exception root with a shallow tree; each error names where it happened and the fix."""

from __future__ import annotations


class StreamhookError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        fix: str | None = None,
        shell_fix: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.fix = fix
        self.shell_fix = shell_fix
        """The fix in a shell user's words (``--format`` rather than ``format=``), if different."""
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return self._text(self.fix)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for it: the message naming the file and the fix, not a traceback
        through the package (these are errors in what the user asked for, not bugs)."""
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]

    def shell_message(self) -> str:
        """The message as the command line shows it: the fix in shell wording."""
        return self._text(self.shell_fix or self.fix)

    def _text(self, fix: str | None) -> str:
        text = f"{self.source}: {self.message}" if self.source else self.message
        return f"{text}. {fix}" if fix else text


class UsageError(StreamhookError):
    """The caller asked for something that cannot work (bad option, bad URL)."""


class SourceError(StreamhookError):
    """A source could not be opened, read or recognised."""


class ApiError(StreamhookError):
    """Stream's API refused a request or could not be reached; the settings are untouched."""


class RecordError(StreamhookError):
    """One record in a source is malformed (raised only in strict mode)."""


class WorkerLostError(StreamhookError):
    """A worker process died before finishing its part (the work stopped; nothing is kept)."""
