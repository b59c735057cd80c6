"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter.

Every name below loads on first use, so that ``import streamhook_nb`` and the command line
start quickly and only pay for pandas, matplotlib, aiohttp, the Stream SDK or ipywidgets when
a feature needs them.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import plots, tables
    from .audit import Audit, audit
    from .audit_filter import AuditController, AuditFilter
    from .audit_widget import AuditView
    from .capture_log import CaptureLog
    from .capture_server import CaptureServer, CaptureSettings
    from .deliveries import COLUMNS
    from .detect import FORMATS
    from .endpoint_check import Requirement, check_endpoint
    from .errors import ApiError, RecordError, SourceError, StreamhookError, UsageError
    from .events import dedupe, events_frame
    from .fidelity import Fidelity, Transport
    from .hooks_plan import Plan, PlanError, WebhookChange, plan_change
    from .inventory import inventory
    from .live_counts import LiveCountsView
    from .loading import LoadResult, iter_load, load_log
    from .reasons import Reason
    from .replay import Selection, replay
    from .report import build_report
    from .retries import conflicting_duplicates, group_retries, retried
    from .secrets import Keyring, Secret, SecretError, keyring
    from .signing import sign
    from .standin import StandIn
    from .stream_api import AppSettingsClient, client_from_env
    from .stream_json import encode as stream_encode
    from .stream_verify import verify_sources
    from .test_event import send_test_event
    from .verdict import Verdict, judge
    from .verification import failures, summary, verify_deliveries
    from .verify_report import VerifyReport
    from .webhook_controller import WebhookController, hooks_table
    from .webhook_widget import WebhookView
    from .writers import to_capture_jsonl, to_har

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, str | None]] = {
    "COLUMNS": ("deliveries", "COLUMNS"),
    "FORMATS": ("detect", "FORMATS"),
    "ApiError": ("errors", "ApiError"),
    "AppSettingsClient": ("stream_api", "AppSettingsClient"),
    "Audit": ("audit", "Audit"),
    "AuditController": ("audit_filter", "AuditController"),
    "AuditFilter": ("audit_filter", "AuditFilter"),
    "AuditView": ("audit_widget", "AuditView"),
    "CaptureLog": ("capture_log", "CaptureLog"),
    "CaptureServer": ("capture_server", "CaptureServer"),
    "CaptureSettings": ("capture_server", "CaptureSettings"),
    "Fidelity": ("fidelity", "Fidelity"),
    "Keyring": ("secrets", "Keyring"),
    "LiveCountsView": ("live_counts", "LiveCountsView"),
    "LoadResult": ("loading", "LoadResult"),
    "Plan": ("hooks_plan", "Plan"),
    "PlanError": ("hooks_plan", "PlanError"),
    "Reason": ("reasons", "Reason"),
    "RecordError": ("errors", "RecordError"),
    "Requirement": ("endpoint_check", "Requirement"),
    "Secret": ("secrets", "Secret"),
    "SecretError": ("secrets", "SecretError"),
    "Selection": ("replay", "Selection"),
    "SourceError": ("errors", "SourceError"),
    "StandIn": ("standin", "StandIn"),
    "StreamhookError": ("errors", "StreamhookError"),
    "Transport": ("fidelity", "Transport"),
    "UsageError": ("errors", "UsageError"),
    "Verdict": ("verdict", "Verdict"),
    "VerifyReport": ("verify_report", "VerifyReport"),
    "WebhookChange": ("hooks_plan", "WebhookChange"),
    "WebhookController": ("webhook_controller", "WebhookController"),
    "WebhookView": ("webhook_widget", "WebhookView"),
    "audit": ("audit", "audit"),
    "build_report": ("report", "build_report"),
    "check_endpoint": ("endpoint_check", "check_endpoint"),
    "client_from_env": ("stream_api", "client_from_env"),
    "conflicting_duplicates": ("retries", "conflicting_duplicates"),
    "dedupe": ("events", "dedupe"),
    "events_frame": ("events", "events_frame"),
    "failures": ("verification", "failures"),
    "group_retries": ("retries", "group_retries"),
    "hooks_table": ("webhook_controller", "hooks_table"),
    "inventory": ("inventory", "inventory"),
    "iter_load": ("loading", "iter_load"),
    "judge": ("verdict", "judge"),
    "keyring": ("secrets", "keyring"),
    "load_log": ("loading", "load_log"),
    "plan_change": ("hooks_plan", "plan_change"),
    "plots": ("plots", None),
    "replay": ("replay", "replay"),
    "retried": ("retries", "retried"),
    "send_test_event": ("test_event", "send_test_event"),
    "sign": ("signing", "sign"),
    "stream_encode": ("stream_json", "encode"),
    "summary": ("verification", "summary"),
    "tables": ("tables", None),
    "to_capture_jsonl": ("writers", "to_capture_jsonl"),
    "to_har": ("writers", "to_har"),
    "verify_deliveries": ("verification", "verify_deliveries"),
    "verify_sources": ("stream_verify", "verify_sources"),
}
"""Public name -> (module, attribute); attribute None means the module itself."""


def __getattr__(name: str) -> object:
    """Import the module behind a public name on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'streamhook_nb' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
