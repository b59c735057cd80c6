"""Logs an application writes itself when it receives Stream's webhooks (not a capture tool's
files): text logs of common loggers and servers, JSON logs whose first records hold no event,
Windows PowerShell's redirection, and the platforms' log exports."""

from __future__ import annotations

import json

from lambda_files.make_lambda_files import REACTION, rest_event

from streamhook_nb.load.batch import DeliveryBatch, Rejected
from streamhook_nb.load.readers import lambda_logs
from streamhook_nb.load.readers.aws_lambda import FORMAT, add_event


def test_a_body_beside_events_is_told_by_its_kind_not_its_words() -> None:
    """Only the bodies a log holds beside its events are passed over: a record rejected for
    another cause keeps its place, whatever its words."""
    batch = DeliveryBatch(FORMAT)
    add_event(batch, "f:1", json.loads(json.dumps(rest_event(REACTION, "a"))))
    lambda_logs._value(batch, "f:2", json.loads(REACTION), only_events=False)
    batch.reject("f:3", lambda_logs._BARE_IN_LOG)  # same words, another record
    settled = lambda_logs._settled(batch)
    assert settled.rejected == [Rejected("f:3", lambda_logs._BARE_IN_LOG)]
    alone = DeliveryBatch(FORMAT)
    lambda_logs._value(alone, "f:2", json.loads(REACTION), only_events=False)
    (kept,) = lambda_logs._settled(alone).rejected
    assert type(kept) is Rejected
    assert kept.source == "f:2"
