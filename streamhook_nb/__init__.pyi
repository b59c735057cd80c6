"""The public API of streamhook_nb: the one list of what ``import streamhook_nb`` offers.

``__init__.py`` reads this stub (``lazy_loader.attach_stub``) and imports each name on first
use; type checkers read it as the package's interface.
"""

from .capture.log import CaptureLog
from .capture.replay import Selection, replay
from .capture.server import CaptureServer, CaptureSettings
from .display import table
from .errors import ApiError, RecordError, SourceError, StreamhookError, UsageError
from .events import charts, plots, tables
from .events.checks import require_deliveries, require_window
from .events.filter import AuditController, AuditFilter
from .events.frame import dedupe, events_frame
from .events.incidents import around_incident, incident_timeline
from .events.report import build_report
from .load.deliveries import COLUMNS
from .load.detect import FORMATS
from .load.fidelity import Fidelity, Transport
from .load.inventory import inventory
from .load.loading import LoadResult, iter_load, load_log
from .load.parquet import to_parquet
from .load.writers import CaptureLineWarning, HarLossWarning, to_capture_jsonl, to_har
from .pipeline.audit import Audit, audit
from .pipeline.verify_logs import verify_sources
from .pipeline.verify_report import VerifyReport
from .verify.frame import failures, summary, verify_deliveries
from .verify.reasons import Reason
from .verify.retries import conflicting_duplicates, group_retries, retried
from .verify.secrets import Keyring, Secret, SecretError, keyring
from .verify.signing import sign
from .verify.stream_json import stream_encode
from .verify.verdict import Verdict, judge
from .webhook.controller import WebhookController, hooks_table
from .webhook.endpoint_check import Requirement, check_endpoint
from .webhook.plan import Plan, PlanError, WebhookChange, plan_change
from .webhook.sample_event import send_test_event
from .webhook.standin import StandIn
from .webhook.stream_api import AppSettingsClient, client_from_env
from .widgets.audit_view import AuditView
from .widgets.live_counts import LiveCountsView
from .widgets.webhook_view import WebhookView

__version__: str

__all__ = [
    "COLUMNS",
    "FORMATS",
    "ApiError",
    "AppSettingsClient",
    "Audit",
    "AuditController",
    "AuditFilter",
    "AuditView",
    "CaptureLineWarning",
    "CaptureLog",
    "CaptureServer",
    "CaptureSettings",
    "Fidelity",
    "HarLossWarning",
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
    "around_incident",
    "audit",
    "build_report",
    "charts",
    "check_endpoint",
    "client_from_env",
    "conflicting_duplicates",
    "dedupe",
    "events_frame",
    "failures",
    "group_retries",
    "hooks_table",
    "incident_timeline",
    "inventory",
    "iter_load",
    "judge",
    "keyring",
    "load_log",
    "plan_change",
    "plots",
    "replay",
    "require_deliveries",
    "require_window",
    "retried",
    "send_test_event",
    "sign",
    "stream_encode",
    "summary",
    "table",
    "tables",
    "to_capture_jsonl",
    "to_har",
    "to_parquet",
    "verify_deliveries",
    "verify_sources",
]
