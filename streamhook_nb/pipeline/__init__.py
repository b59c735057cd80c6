"""Whole logs: load -> verify -> events over many files and every core.

Takes sources and a keyring and runs the three stages over them without holding a whole log:
``verify_logs`` streams line-aligned ranges (``log_ranges``) of big capture logs through forked
workers into a ``VerifyReport``; ``event_tally`` counts by type on the way; ``load_summary``
counts what ``load`` found; ``audit`` builds the deliveries, verdicts and events frames.
"""
