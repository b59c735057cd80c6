"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter.

The core (loading, verification, events, tables) is imported at once; the parts that pull in
heavier libraries (matplotlib, aiohttp servers, the Stream SDK, ipywidgets) load on first use,
so that ``import streamhook_nb`` and the command line start quickly.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from . import tables
from .audit import Audit, audit
from .audit_filter import AuditController, AuditFilter
from .capture_log import CaptureLog
from .deliveries import COLUMNS, FORMATS
from .errors import ApiError, RecordError, SourceError, StreamhookError, UsageError
from .events import dedupe, events_frame
from .fidelity import Fidelity, Transport
from .hooks_plan import Plan, PlanError, WebhookChange, plan_change
from .inventory import inventory
from .loading import LoadResult, iter_load, load_log
from .reasons import Reason
from .retries import conflicting_duplicates, group_retries, retried
from .secrets import Keyring, Secret, SecretError, keyring
from .signing import sign
from .stream_json import encode as stream_encode
from .stream_verify import VerifyReport, verify_sources
from .verdict import Verdict, judge
from .verification import failures, summary, verify_deliveries
from .writers import to_capture_jsonl, to_har

if TYPE_CHECKING:
    from . import plots
    from .audit_widget import AuditView
    from .capture_server import CaptureServer, CaptureSettings
    from .endpoint_check import Requirement, check_endpoint
    from .live_counts import LiveCountsView
    from .replay import Selection, replay
    from .report import build_report
    from .standin import StandIn
    from .stream_api import AppSettingsClient, client_from_env
    from .test_event import send_test_event
    from .webhook_controller import WebhookController, hooks_table
    from .webhook_widget import WebhookView

__version__ = "0.1.0"

_LAZY = {
    "plots": ("plots", None),
    "AuditView": ("audit_widget", "AuditView"),
    "CaptureServer": ("capture_server", "CaptureServer"),
    "CaptureSettings": ("capture_server", "CaptureSettings"),
    "Requirement": ("endpoint_check", "Requirement"),
    "check_endpoint": ("endpoint_check", "check_endpoint"),
    "LiveCountsView": ("live_counts", "LiveCountsView"),
    "Selection": ("replay", "Selection"),
    "replay": ("replay", "replay"),
    "build_report": ("report", "build_report"),
    "StandIn": ("standin", "StandIn"),
    "AppSettingsClient": ("stream_api", "AppSettingsClient"),
    "client_from_env": ("stream_api", "client_from_env"),
    "send_test_event": ("test_event", "send_test_event"),
    "WebhookController": ("webhook_controller", "WebhookController"),
    "hooks_table": ("webhook_controller", "hooks_table"),
    "WebhookView": ("webhook_widget", "WebhookView"),
}


def __getattr__(name: str) -> object:
    """Load the heavier parts of the public API on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'streamhook_nb' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


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
