"""reactor: keeps a repository's per-file docs fresh in the background, one file per idle tick.

The public surface is small on purpose: :class:`Reactor` (one repo, embeddable), :class:`Service`
(a host loop), :class:`Backend` and its request/reply types (for custom backends), what the API
returns, and the errors it raises.
"""

from importlib.metadata import PackageNotFoundError, version

from .backends import Backend, DocRequest, Generated, NoOp
from .config import DocgenConfig
from .docgen import Outcome
from .errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    LockHeld,
    ReactorError,
    RepoGone,
    UnsafePath,
)
from .rag import RagBusy
from .reactor import Reactor, TickResult
from .service import Service
from .status import StatusReport

#: The distribution is ``llmc-reactor`` (``reactor`` on the package index is another project).
DISTRIBUTION = "llmc-reactor"
try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Backend",
    "BackendError",
    "BackendUnavailable",
    "ConfigError",
    "DocRequest",
    "DocgenConfig",
    "Generated",
    "LockHeld",
    "NoOp",
    "Outcome",
    "RagBusy",
    "Reactor",
    "ReactorError",
    "RepoGone",
    "Service",
    "StatusReport",
    "TickResult",
    "UnsafePath",
    "__version__",
]
