"""Secrets on a Dask cluster: sent once, in memory, never in a task.

The client registers a worker plugin holding the keyring; the scheduler hands it to every
worker once, including workers that join or restart later, and each worker keeps it in this
module's registry. Tasks carry only a :class:`KeyringRef`, a random handle: no task key, task
argument, repr or log line ever holds a secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

from streamhook_nb.errors import UsageError
from streamhook_nb.verify.secrets import Keyring

_KEYRINGS: dict[str, Keyring] = {}
"""Keyrings this process holds for cluster tasks, by handle."""


@dataclass(frozen=True)
class KeyringRef:
    """A handle to a keyring held by the workers: a random token, nothing derived from it."""

    token: str

    @property
    def plugin_name(self) -> str:
        """The worker plugin that carries the keyring."""
        return f"streamhook-keyring-{self.token}"

    def keyring(self) -> Keyring:
        """The keyring, as this worker received it."""
        try:
            return _KEYRINGS[self.token]
        except KeyError:
            raise UsageError(
                "this Dask worker holds no keyring for the task",
                fix="Share the keyring with share_keyring(client, keyring) before computing",
            ) from None


class KeyringPlugin(WorkerPlugin):
    """Carries a keyring to each worker once; its repr shows only how many secrets."""

    def __init__(self, ref: KeyringRef, keyring: Keyring) -> None:
        self.name = ref.plugin_name
        self._ref = ref
        self._keyring = keyring

    def setup(self, worker: Any) -> None:
        """Keep the keyring in this worker's memory."""
        _KEYRINGS[self._ref.token] = self._keyring

    def teardown(self, worker: Any) -> None:
        """Forget it."""
        _KEYRINGS.pop(self._ref.token, None)

    def __repr__(self) -> str:
        return f"KeyringPlugin({self.name}: {len(self._keyring.labels())} secrets)"


def share_keyring(client: Client | None, keyring: Keyring) -> KeyringRef:
    """Give the keyring to every worker of ``client`` (and to this process) once.

    With ``client=None`` the tasks run in this process (Dask's threaded scheduler).
    """
    ref = KeyringRef(secrets.token_hex(16))
    _KEYRINGS[ref.token] = keyring
    if client is not None:
        client.register_plugin(KeyringPlugin(ref, keyring), name=ref.plugin_name)
    return ref


def forget_keyring(client: Client | None, ref: KeyringRef) -> None:
    """Remove the keyring from every worker and from this process."""
    _KEYRINGS.pop(ref.token, None)
    if client is not None and client.status == "running":
        client.unregister_worker_plugin(ref.plugin_name)
