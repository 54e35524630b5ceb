"""Error types shared by every entry point.

Each error carries the HTTP status the API answers with; the CLI maps every one of them to exit
status 1. Keeping the mapping on the exception means adapters never need a table of their own.
"""

from __future__ import annotations


class MosaicError(Exception):
    """Base class: a failure the user can act on, reported as one line, never a traceback."""

    status: int = 500


class UsageError(MosaicError):
    """The request itself is wrong (bad flag value, conflicting options, root not allowed)."""

    status = 400


class SeriesNotFound(MosaicError):
    status = 404


class NoDisplayableImages(MosaicError):
    """The series exists but nothing in it can be turned into a picture."""

    status = 422


class SeriesTooLarge(MosaicError):
    """The series has more objects than this deployment will hold headers for."""

    status = 422


class StorageError(MosaicError):
    """The storage behind the root failed (network, permissions, unreadable root)."""

    status = 502


class TimeBudgetExceeded(MosaicError):
    status = 504
