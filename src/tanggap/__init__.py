"""Tanggap: takedown orders in, blocked channels out, every step on the record."""

__version__ = "0.1.0"

# Platforms contribute their own target spellings to domain.targets. Registered here, on the
# package's import, so that every reader of targets (API, intake, the store's column type)
# understands every platform's canonical forms, whichever adapters are configured.
from tanggap.platforms import matrix_targets as _matrix_targets  # noqa: E402,F401
