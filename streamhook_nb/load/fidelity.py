"""How faithfully a capture kept the bytes that Stream signed."""

from __future__ import annotations

from enum import StrEnum


class Fidelity(StrEnum):
    """Fidelity of a captured body; only ``exact`` and ``decoded`` bodies can be verified."""

    EXACT = "exact"  # the bytes on the wire
    DECODED = "decoded"  # the tool undid a content/transfer encoding; signed bytes intact
    TRUNCATED = "truncated"  # the tool kept only a prefix
    RECONSTRUCTED = "reconstructed"  # rebuilt from parsed fields; bytes may differ
    MISSING = "missing"  # the tool kept no body


class Transport(StrEnum):
    """How Stream delivered the event."""

    HTTP = "http"
    SQS = "sqs"
    SNS = "sns"


VERIFIABLE = frozenset({Fidelity.EXACT, Fidelity.DECODED})
