"""The receiver's ``--path``: what a request's path is compared with, so it must be one."""

from __future__ import annotations


def path_problem(path: str) -> str | None:
    """Why ``path`` can never equal a request's path (no request would be taken), or None."""
    if not path.startswith("/"):
        return f"must start with / (every request's path does), such as /{path.lstrip('/')}"
    if "?" in path or "#" in path:
        return "is a path only, without ?query or #fragment, such as /webhooks/stream"
    return None
