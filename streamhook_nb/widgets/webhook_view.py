"""The webhook settings as ipywidgets: a thin view over :class:`WebhookController`."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from streamhook_nb.display import table
from streamhook_nb.events.catalog import WEBHOOK_EVENT_TYPES
from streamhook_nb.webhook.controller import WebhookController, hooks_table
from streamhook_nb.webhook.plan import NEW_HOOK, WebhookChange, webhook_hooks
from streamhook_nb.webhook.redact import REDACTED, redact_url, scrub, url_secrets
from streamhook_nb.widgets.audit_view import WIDGET_NOTE, show

_STYLE = {"description_width": "110px"}
NO_URL = "Type the webhook URL first, such as https://example.com/webhooks/stream."
"""What Check endpoint, Send test event and Preview say while the URL box is empty."""
_ROW = {"flex_flow": "row wrap"}
"""Rows of fields and buttons wrap in a narrow notebook instead of running off its edge."""


def _up_to(width: str) -> widgets.Layout:
    """As wide as ``width``, or as the notebook when it is narrower."""
    return widgets.Layout(width="auto", max_width=width)


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter (unless it starts with a URL or a
    path, which stay as they are) and a full stop."""
    text = text.strip()
    if not text:
        return text
    if "/" not in text.split(" ", 1)[0]:
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ":")) else text + "."


class WebhookView(widgets.VBox):  # type: ignore[misc]
    """Load the app's hooks, check the endpoint, send a test event, preview, apply, undo."""

    def __init__(
        self, controller: WebhookController | None = None, *, api_key: str = "", base_url: str = ""
    ) -> None:
        self.controller = controller or WebhookController()
        c = self.controller
        self.api_key = widgets.Text(
            value=api_key or c.api_key or "", description="API key", style=_STYLE
        )
        self.base_url = widgets.Text(
            value=base_url or c.base_url or "",
            description="API base URL",
            placeholder="https://chat.stream-io-api.com",
            style=_STYLE,
            layout=_up_to("640px"),
        )
        self.secret = widgets.Password(
            description="API secret", placeholder=c.secret_source(), style=_STYLE
        )
        self.hooks = widgets.Output()
        self.url = widgets.Text(
            description="webhook URL",
            placeholder="https://example.com/webhooks/stream",
            continuous_update=False,
            style=_STYLE,
            layout=_up_to("640px"),
        )
        self.hook = widgets.Dropdown(
            options=[("new hook", NEW_HOOK)],
            description="hook",
            style=_STYLE,
            layout=_up_to("520px"),
        )
        self.event_types = widgets.SelectMultiple(
            options=list(WEBHOOK_EVENT_TYPES),
            rows=8,
            description="events",
            style=_STYLE,
            layout=_up_to("420px"),
        )
        self.enabled = widgets.Checkbox(value=True, description="enabled")
        self.load_button = widgets.Button(description="Load", icon="download")
        self.check_button = widgets.Button(description="Check endpoint", icon="stethoscope")
        self.test_button = widgets.Button(description="Send test event", icon="paper-plane")
        self.preview_button = widgets.Button(description="Preview", icon="eye")
        self.apply_button = widgets.Button(description="Apply", icon="check", disabled=True)
        self.undo_button = widgets.Button(description="Undo", icon="undo")
        self.messages = widgets.Output()
        self.said: list[str] = []  # the last message lines, as shown in ``messages``
        self._result_for: str | None = None  # the URL the shown check or test result is for
        handlers: list[tuple[widgets.Button, Callable[[], None]]] = [
            (self.load_button, self._load),
            (self.check_button, self._check),
            (self.test_button, self._test),
            (self.preview_button, self._preview),
            (self.apply_button, self._apply),
            (self.undo_button, self._undo),
        ]
        for button, handler in handlers:
            button.on_click(lambda b, run=handler: self._run(b.description, run))
        for control in (self.url, self.event_types, self.enabled, self.hook):
            control.observe(self._edited, names="value")
        self.url.observe(self._url_changed, names="value")
        self.hook.observe(lambda change: self._show_hook(change["new"]), names="value")
        super().__init__(
            [
                widgets.HTML("<b>App</b>"),
                widgets.HBox([self.api_key, self.secret], layout=_ROW),
                self.base_url,
                self.load_button,
                self.hooks,
                widgets.HTML("<b>Webhook</b>"),
                self.url,
                widgets.HBox([self.hook, self.enabled], layout=_ROW),
                widgets.HBox(
                    [self.event_types, widgets.HTML("<i>None selected means all events.</i>")],
                    layout=_ROW,
                ),
                widgets.HBox([self.check_button, self.test_button], layout=_ROW),
                widgets.HBox(
                    [self.preview_button, self.apply_button, self.undo_button], layout=_ROW
                ),
                self.messages,
            ]
        )
        if c.settings is not None:  # the controller was loaded before the view was made
            self._show_hooks()

    def __repr__(self) -> str:
        """What a notebook shows where it cannot draw the widget (untrusted, or on GitHub)."""
        return f"WebhookView · app {self.api_key.value or '(no key)'} · {WIDGET_NOTE}"

    def _run(self, action: str, handler: Callable[[], None]) -> None:
        """A button's action. An error nobody foresaw (a URL the controller did not check, say)
        is said under the buttons, with the URLs' credentials scrubbed; else the click would
        leave the last message standing as if it were the answer."""
        try:
            handler()
        except Exception as exc:  # said, not swallowed: the user must know
            text = f"{type(exc).__name__}: {exc}"
            for url in (self._url(), self.base_url.value):
                text = scrub(text, url)
            self._say(f"{action} stopped: {sentence(text)} Check the fields above and try again.")

    def _url(self) -> str:
        """The URL box's value, as the controller understands it (masked: the real one)."""
        return self.url.value  # type: ignore[no-any-return]

    def _set_apply(self, enabled: bool) -> None:
        """Apply is orange (a warning: it changes the app) only when it can be pressed."""
        self.apply_button.disabled = not enabled
        self.apply_button.button_style = "warning" if enabled else ""

    def _say(self, *lines: str) -> None:
        self.said = list(lines)
        self._result_for = None
        self._show_said()

    def _show_said(self) -> None:
        """The messages, wrapped between words (long URLs anywhere), in one output."""
        text = "\n".join(self.said)
        shown = html.escape(text)
        style = "white-space: pre-wrap; word-break: normal; overflow-wrap: anywhere; margin: 0"
        show(
            self.messages, {"text/html": f'<pre style="{style}">{shown}</pre>', "text/plain": text}
        )

    def _url_changed(self, change: Any) -> None:
        """A result on screen belongs to the URL it was made for. The browser may deliver an
        edit of the box after a click (ipywidgets holds back a field's update while its previous
        one is unanswered, but never a click), so a late edit gets a note, never a silent mix."""
        shown, self._result_for = self._result_for, None
        if shown is None or change["new"].strip() == shown:
            return
        note = (
            f"The webhook URL is now {redact_url(change['new'].strip())}: the result above is "
            f"for {redact_url(shown)}. Press the button again for the new URL."
        )
        self.said.append(note)
        self._show_said()

    def _edited(self, _: Any = None) -> None:
        """Any edit invalidates the preview: Apply waits for a new one."""
        self.controller.plan = None
        self._set_apply(False)

    def _show_hooks(self) -> None:
        settings = self.controller.settings or {}
        self._result_for = None  # the URL box changes below: no note about it
        hooks = table(hooks_table(settings))  # each target whole, not cut at 50 characters
        show(self.hooks, {"text/html": hooks._repr_html_(), "text/plain": repr(hooks)})
        choices = [
            (f"{h.get('id')} ({redact_url(str(h.get('webhook_url') or ''))})", str(h.get("id")))
            for h in webhook_hooks(settings)
        ]
        self.hook.options = [*choices, ("new hook", NEW_HOOK)]
        if choices:
            self._show_hook(self.hook.value)  # the hook the list shows first
        else:
            self.url.value = redact_url(settings.get("webhook_url") or "")
        self._edited()

    def _show_hook(self, hook_id: str) -> None:
        """A loaded hook's URL, events and state in the fields, ready to edit (a new hook's
        fields stay as typed)."""
        settings = self.controller.settings or {}
        chosen = [h for h in webhook_hooks(settings) if str(h.get("id")) == hook_id]
        if not chosen:
            return
        self._result_for = None  # the URL box changes below: no note about it
        # masked: the controller maps it back to the real URL while it is left unedited
        self.url.value = redact_url(chosen[0].get("webhook_url") or "")
        self.event_types.value = tuple(
            t for t in chosen[0].get("event_types") or [] if t in WEBHOOK_EVENT_TYPES
        )
        self.enabled.value = bool(chosen[0].get("enabled"))

    def _load(self) -> None:
        c = self.controller
        if self.secret.value and not self.secret.value.strip():  # a slip, not a secret
            self.secret.value = ""
            self._say(
                "The API secret field holds only spaces: nothing was sent. Type the app's "
                f"secret, or leave the field empty to use {c.secret_source()}."
            )
            return
        _, error = c.safe(c.connect, self.api_key.value, self.base_url.value, self.secret.value)
        self.secret.value = ""  # the typed secret lives in the controller, not in the widget
        if error is None:
            message, error = c.safe(c.load)
        self.secret.placeholder = c.secret_source()
        if error is not None:  # no settings now: nothing stale stays on screen
            self.hooks.clear_output()
            self.hook.options = [("new hook", NEW_HOOK)]
            if REDACTED in url_secrets(self.url.value):  # stood for a URL no longer loaded
                self.url.value = ""
            self._edited()
            self._say(sentence(error))
            return
        self.base_url.value = c.base_url or ""  # where the stand-in answers, if it moved
        self._show_hooks()
        self._say(sentence(message))

    def _no_url(self) -> bool:
        """Whether the URL box is empty (then it says so, instead of judging an empty URL)."""
        if self._url().strip():
            return False
        self._say(NO_URL)
        return True

    def _check(self) -> None:
        c = self.controller
        if self._no_url():
            return
        results, error = c.safe(c.check, self._url())
        if error is not None:
            self._say(sentence(error))
            return
        marks = {"pass": "✔", "warn": "⚠", "fail": "✘"}
        url = self._url().strip()
        self._say(
            f"Checked {redact_url(url)}:",
            *(f"{marks[r.status]} {r.name}: {r.message}" for r in results),
        )
        self._result_for = url

    def _test(self) -> None:
        c = self.controller
        url = self._url()
        if self._no_url():
            return
        sent, error = c.safe(c.send_test, url)
        if error is not None:
            self._say(sentence(error))
            return
        self._say(
            f"HTTP {sent.status} in {sent.elapsed_ms} ms from {redact_url(url.strip())}.",
            f"Response: {sent.body_preview or '(empty)'}",
        )
        self._result_for = url.strip()

    def _change(self) -> WebhookChange:
        return WebhookChange(
            url=self._url(),
            event_types=tuple(self.event_types.value),
            enabled=self.enabled.value,
            hook=self.hook.value,
        )

    def _preview(self) -> None:
        c = self.controller
        if self._no_url():
            return
        plan, error = c.safe(c.preview, self._change())
        if error is not None:
            self._say(sentence(error))
            return
        self._set_apply(plan.changes_anything)
        verdict = "Press Apply to send it." if plan.changes_anything else "Nothing would change."
        self._say(f"PATCH /app ({plan.mode}):", *plan.diff, *self._twins(), verdict)

    def _twins(self) -> list[str]:
        """A warning for a new hook whose URL a loaded hook already has: Stream would deliver
        every event there twice (the URL box keeps the last hook's URL when "new hook" is
        picked, to edit)."""
        if self.hook.value != NEW_HOOK:
            return []
        url = redact_url(self._url().strip())
        twins = [
            str(h.get("id"))
            for h in webhook_hooks(self.controller.settings or {})
            if redact_url(str(h.get("webhook_url") or "")) == url
        ]
        return [
            f"⚠ Hook {twin} already sends to {url}: a new hook with the same URL makes Stream "
            f"deliver every event there twice. Type the new endpoint's URL, or pick {twin} in "
            "the hook list to change that hook."
            for twin in twins
        ]

    def _apply(self) -> None:
        c = self.controller
        message, error = c.safe(c.apply)
        self._set_apply(False)
        if error is None:
            self._show_hooks()
        self._say(sentence(error or message))

    def _undo(self) -> None:
        c = self.controller
        message, error = c.safe(c.undo)
        if error is None:
            self._show_hooks()
        self._say(sentence(error or message))
