"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter."""

from .deliveries import COLUMNS, FORMATS
from .errors import RecordError, SourceError, StreamhookError, UsageError
from .fidelity import Fidelity, Transport
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

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "FORMATS",
    "Fidelity",
    "Keyring",
    "LoadResult",
    "Reason",
    "RecordError",
    "Secret",
    "SecretError",
    "SourceError",
    "StreamhookError",
    "Transport",
    "UsageError",
    "Verdict",
    "VerifyReport",
    "__version__",
    "conflicting_duplicates",
    "failures",
    "group_retries",
    "inventory",
    "iter_load",
    "judge",
    "keyring",
    "load_log",
    "retried",
    "sign",
    "stream_encode",
    "summary",
    "to_capture_jsonl",
    "to_har",
    "verify_deliveries",
    "verify_sources",
]
