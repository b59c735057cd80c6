"""Load, verify and audit Stream Chat webhook deliveries in pandas and Jupyter.

The public names are listed once, in ``__init__.pyi``; each loads on first use, so that
``import streamhook_nb`` and the command line start quickly and only pay for pandas, aiohttp,
the Stream SDK or ipywidgets when a feature needs them.
"""

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ += ["__version__"]
