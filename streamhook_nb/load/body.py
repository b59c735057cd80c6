"""The bytes a delivery's signature covers: its body, decompressed when it is gzip."""

from __future__ import annotations

import gzip
import zlib

from streamhook_nb.load.sources import GZIP_MAGIC


def signed_bytes(body: bytes) -> bytes:
    """The bytes Stream signed: the body, decompressed when it is gzip (by its magic).

    Raises ``ValueError`` when a body with the gzip magic does not decompress.
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError("gzip body does not decompress") from exc
