"""Stage 2, verify: deliveries + secrets -> a verdict per delivery.

Takes the deliveries frame (or single bodies) and a ``Keyring`` of secrets (env vars, ``.env``,
secrets files, rotation); ``verdict.judge`` checks each ``X-Signature`` in constant time and
explains a failure (``reasons``: re-serialized body, whitespace in the secret, another app's
key, ...). Gives the verdict columns (``valid``, ``reason``, ``matched_secret``, ``hint``),
summaries, failures and retry groups.
"""
