"""The app's webhook settings at Stream: read, plan, apply, undo, check the endpoint.

Takes API credentials (env vars, never arguments) or the local ``standin`` of Stream's API;
``stream_api`` talks to Stream through the official SDK, ``plan`` computes the change (the
whole ``event_hooks`` list, since PATCH replaces it), ``backups`` keep what to undo,
``endpoint_check`` tests a URL as Stream would, ``sample_event`` sends a signed test event and
``controller`` ties them together for the widget and the CLI.
"""
