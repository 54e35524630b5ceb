"""dicom-mosaic: preview DICOM series from S3, HTTP(S) or local storage as one picture.

The public API is :func:`render` with a :class:`MosaicRequest`; the CLI and the Lambda handlers
are thin adapters over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    MosaicError,
    NoDisplayableImages,
    SeriesNotFound,
    SeriesTooLarge,
    StorageError,
    TimeBudgetExceeded,
    UsageError,
)
from .request import MosaicRequest

if TYPE_CHECKING:
    from .mosaic import MosaicResult

__all__ = [
    "MosaicError",
    "MosaicRequest",
    "MosaicResult",
    "NoDisplayableImages",
    "SeriesNotFound",
    "SeriesTooLarge",
    "StorageError",
    "TimeBudgetExceeded",
    "UsageError",
    "render",
]


def render(request: MosaicRequest, **options: Any) -> MosaicResult:
    """Render a request (imported lazily: pydicom and numpy load only when work starts)."""
    from .mosaic import render as _render

    return _render(request, **options)


def __getattr__(name: str) -> Any:
    if name == "MosaicResult":
        from .mosaic import MosaicResult

        return MosaicResult
    raise AttributeError(name)
