"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter."""

from . import plots, tables
from .audit import Audit, audit
from .audit_filter import AuditController, AuditFilter
from .capture_log import CaptureLog
from .capture_server import CaptureServer, CaptureSettings
from .deliveries import COLUMNS, FORMATS
from .endpoint_check import Requirement, check_endpoint
from .errors import RecordError, SourceError, StreamhookError, UsageError
from .events import dedupe, events_frame
from .fidelity import Fidelity, Transport
from .hooks_plan import Plan, PlanError, WebhookChange, plan_change
from .inventory import inventory
from .loading import LoadResult, iter_load, load_log
from .reasons import Reason
from .replay import Selection, replay
from .report import build_report
from .retries import conflicting_duplicates, group_retries, retried
from .secrets import Keyring, Secret, SecretError, keyring
from .signing import sign
from .standin import StandIn
from .stream_api import ApiError, AppSettingsClient, client_from_env
from .stream_json import encode as stream_encode
from .stream_verify import VerifyReport, verify_sources
from .test_event import send_test_event
from .verdict import Verdict, judge
from .verification import failures, summary, verify_deliveries
from .webhook_controller import WebhookController, hooks_table
from .writers import to_capture_jsonl, to_har

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``AuditView`` imports ipywidgets, so it loads only when asked for."""
    if name == "AuditView":
        from .audit_widget import AuditView

        return AuditView
    if name == "LiveCountsView":
        from .live_counts import LiveCountsView

        return LiveCountsView
    if name == "WebhookView":
        from .webhook_widget import WebhookView

        return WebhookView
    raise AttributeError(f"module 'streamhook_nb' has no attribute {name!r}")


__all__ = [
    "COLUMNS",
    "FORMATS",
    "ApiError",
    "AppSettingsClient",
    "Audit",
    "AuditController",
    "AuditFilter",
    "AuditView",
    "CaptureLog",
    "CaptureServer",
    "CaptureSettings",
    "Fidelity",
    "Keyring",
    "LiveCountsView",
    "LoadResult",
    "Plan",
    "PlanError",
    "Reason",
    "RecordError",
    "Requirement",
    "Secret",
    "SecretError",
    "Selection",
    "SourceError",
    "StandIn",
    "StreamhookError",
    "Transport",
    "UsageError",
    "Verdict",
    "VerifyReport",
    "WebhookChange",
    "WebhookController",
    "WebhookView",
    "__version__",
    "audit",
    "build_report",
    "check_endpoint",
    "client_from_env",
    "conflicting_duplicates",
    "dedupe",
    "events_frame",
    "failures",
    "group_retries",
    "hooks_table",
    "inventory",
    "iter_load",
    "judge",
    "keyring",
    "load_log",
    "plan_change",
    "plots",
    "replay",
    "retried",
    "send_test_event",
    "sign",
    "stream_encode",
    "summary",
    "tables",
    "to_capture_jsonl",
    "to_har",
    "verify_deliveries",
    "verify_sources",
]
