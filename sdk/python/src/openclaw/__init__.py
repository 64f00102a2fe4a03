"""``openclaw``: an alias of :mod:`clawgate`, so code written as ``from openclaw import OpenClaw``
(the seed documents' SDK examples) runs unchanged."""
from clawgate import *  # noqa: F401,F403
from clawgate import __all__, __version__  # noqa: F401
