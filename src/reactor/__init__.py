"""reactor: keeps a repository's per-file docs fresh in the background, one file per idle tick.

The public surface is small on purpose: :class:`Reactor` (one repo, embeddable),
:class:`Service` (a host loop), :class:`Backend` (for custom backends) and the errors.
"""

from .backends import Backend
from .errors import BackendError, ConfigError, LockHeld, ReactorError, UnsafePath
from .reactor import Reactor, TickResult
from .service import Service

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "ConfigError",
    "LockHeld",
    "Reactor",
    "ReactorError",
    "Service",
    "TickResult",
    "UnsafePath",
    "__version__",
]
