"""Vega, Vega-Lite and vega-embed as one inline ``<script>``: charts that draw offline.

The JavaScript comes from ``vl-convert-python``, which ships the libraries (no CDN, no
network at build or view time). The Vega-Lite version matches the specs Altair emits.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import version

import altair as alt
import vl_convert

SCRIPT_ID = "streamhook-vega"
"""The ``id`` of the inline ``<script>`` element (a page carries it once)."""

_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
"""The bundle's snippet: the three libraries as globals, for the charts' inline scripts."""
_UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--|<script", re.IGNORECASE)


def vegalite_version() -> str:
    """The ``major.minor`` Vega-Lite bundled: Altair's own, else the newest of its major."""
    wanted = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    available = vl_convert.get_vegalite_versions()
    if wanted in available:
        return wanted
    major = wanted.split(".")[0]
    same_major = [v for v in available if v.split(".")[0] == major]
    if not same_major:
        raise RuntimeError(
            f"vl-convert-python {version('vl-convert-python')} bundles Vega-Lite "
            f"{', '.join(available)}, none compatible with Altair's {alt.VEGALITE_VERSION}: "
            "upgrade vl-convert-python."
        )
    return max(same_major, key=lambda v: tuple(int(p) for p in v.split(".")))


def versions() -> dict[str, str]:
    """The library versions the inline bundle carries."""
    return {
        "vega": vl_convert.get_vega_version(),
        "vega-lite": vegalite_version(),
        "vega-embed": vl_convert.get_vega_embed_version(),
    }


@cache
def bundle() -> str:
    """The JavaScript (about 0.9 MB) that defines ``vega``, ``vegaLite`` and ``vegaEmbed``."""
    code: str = vl_convert.javascript_bundle(_GLOBALS, vl_version=vegalite_version())
    found = _UNSAFE_IN_SCRIPT.search(code)
    if found:  # would end or derail the <script> element in an HTML page
        raise RuntimeError(f"the Vega bundle contains {found.group()!r}; cannot inline it")
    return code


def script_tag() -> str:
    """One ``<script>`` element holding :func:`bundle`; put it in a page's ``<head>`` once."""
    names = ", ".join(f"{name} {version}" for name, version in versions().items())
    return f'<script id="{SCRIPT_ID}">/* {names} */\n{bundle()}\n</script>'
