"""Stage 1, load: capture logs from any tool -> one deliveries frame with the exact bytes.

Takes files, folders, globs and fsspec URLs in any supported format (capture JSON Lines, HAR,
ngrok, raw HTTP, SQS/SNS); ``detect`` picks the reader, ``readers/`` turn records into rows,
``batch`` and ``deliveries`` build the typed frame, ``writers`` convert it back out. Gives a
``LoadResult``: the deliveries (source, headers, body bytes, fidelity, ...) and the rejected
records with their ``file:line`` and reason. Knows nothing of secrets or verdicts.
"""
