"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter."""

from .deliveries import COLUMNS, FORMATS
from .errors import RecordError, SourceError, StreamhookError, UsageError
from .fidelity import Fidelity, Transport
from .inventory import inventory
from .loading import LoadResult, iter_load, load_log
from .signing import sign
from .stream_json import encode as stream_encode
from .writers import to_capture_jsonl, to_har

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "FORMATS",
    "Fidelity",
    "LoadResult",
    "RecordError",
    "SourceError",
    "StreamhookError",
    "Transport",
    "UsageError",
    "__version__",
    "inventory",
    "iter_load",
    "load_log",
    "sign",
    "stream_encode",
    "to_capture_jsonl",
    "to_har",
]
