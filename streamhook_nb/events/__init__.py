"""Stage 3, events: verified deliveries -> the events table, counts, charts and the report.

Takes a verified deliveries frame; reads each payload's fields (type, created_at, cid, user,
message, ...) into the events frame, then counts by type and verdict (``tables``), draws
(``charts``: interactive; ``plots``: static), finds the incident timeline (``incidents``),
filters (``filter``) and writes the standalone HTML report (``report``), whose charts draw
offline (``vega_scripts``).
``catalog`` knows Stream's documented webhook event types.

(Named ``events`` rather than ``audit``: ``streamhook_nb.audit`` is the public function that
runs the whole flow, and a subpackage of that name would shadow it.)
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "catalog",
        "charts",
        "filter",
        "frame",
        "incidents",
        "plots",
        "report",
        "tables",
        "vega_scripts",
    ],
)
