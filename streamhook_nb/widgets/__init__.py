"""The ipywidgets views: thin ``VBox`` subclasses over controllers that do not import them.

``audit_view`` filters the events table, ``webhook_view`` configures the app's webhook,
``live_counts`` watches a capture log fill up.
"""
