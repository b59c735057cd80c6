"""The bytes a delivery's signature covers: its body, decompressed when it is gzip."""

from __future__ import annotations

import zlib

from streamhook_nb.load.sources import GZIP_MAGIC

MAX_INFLATED_BYTES = 64 << 20
"""The most a gzip body may inflate to. Stream's payloads are kilobytes; a body that inflates
past this is a decompression bomb (a megabyte of gzip can hold a gigabyte of zeros), refused
as it is read, never inflated whole into memory."""


class InflatedTooLargeError(ValueError):
    """A gzip body inflates past :data:`MAX_INFLATED_BYTES`."""


def signed_bytes(body: bytes) -> bytes:
    """The bytes Stream signed: the body, decompressed when it is gzip (by its magic; one or
    more members, zero padding after them allowed, as :func:`gzip.decompress` reads them).

    Raises ``ValueError`` when a body with the gzip magic does not decompress, and
    :class:`InflatedTooLargeError` when it inflates past :data:`MAX_INFLATED_BYTES`.
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    room = MAX_INFLATED_BYTES
    pieces: list[bytes] = []
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)  # gzip framing, CRC and length checked
            piece = inflater.decompress(data, room + 1)
            if len(piece) > room:
                raise InflatedTooLargeError(
                    f"gzip body inflates past {MAX_INFLATED_BYTES >> 20} MiB (a decompression "
                    "bomb, not a webhook payload)"
                )
            if not inflater.eof:
                raise ValueError("gzip body does not decompress (it is cut short)")
            pieces.append(piece)
            room -= len(piece)
            data = inflater.unused_data.lstrip(b"\x00")
    except zlib.error as exc:
        raise ValueError("gzip body does not decompress") from exc
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)
