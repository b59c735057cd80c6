"""Capture and replay: receive deliveries into a capture log, send them again.

``server`` is the aiohttp receiver that appends every POST to the capture log (``log``:
exact bytes, all headers, rotation, fsync) and answers only once it is written; ``replay``
resends loaded deliveries (original or re-signed) to an endpoint; ``demo_endpoint`` is a small
app endpoint for the notebooks.
"""
