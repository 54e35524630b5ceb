"""Window/level: modality values to 8-bit display values.

The man page fixes the formula: hard clipping at ``center -/+ width/2`` and a linear ramp between.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

#: Percentiles used by ``auto`` (man page: 2nd to 98th).
AUTO_PERCENTILES = (2.0, 98.0)
#: Enough samples for stable percentiles; more only costs time.
_MAX_AUTO_SAMPLES = 2_000_000

Window = tuple[float, float]  #: (width, center)


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """Linear window with hard clipping to uint8 (0 below, 255 above, linear between)."""
    width, center = window
    low = center - width / 2.0
    scaled = (values.astype(np.float32) - np.float32(low)) * np.float32(255.0 / width)
    return np.rint(np.clip(scaled, 0.0, 255.0)).astype(np.uint8)


def file_window(ds: Dataset) -> Window | None:
    """The first WindowWidth/WindowCenter pair stored in the file, if usable."""
    width, center = ds.get("WindowWidth"), ds.get("WindowCenter")
    if width is None or center is None:
        return None
    try:
        width = float(width[0] if _is_multi(width) else width)
        center = float(center[0] if _is_multi(center) else center)
    except (TypeError, ValueError, IndexError):
        return None
    if not np.isfinite(width) or not np.isfinite(center) or width <= 0:
        return None
    return (width, center)


def _is_multi(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def auto_window(images: Sequence[np.ndarray], exclude: Sequence[float | None] = ()) -> Window:
    """One window from all images pooled, so every tile of a mosaic is equally bright.

    ``exclude`` gives, per image, a padding value to leave out of the statistics.
    """
    total = sum(img.size for img in images) or 1
    stride = max(1, int(np.ceil(total / _MAX_AUTO_SAMPLES)))
    samples = []
    for i, img in enumerate(images):
        flat = img.reshape(-1)[::stride]
        pad = exclude[i] if i < len(exclude) else None
        if pad is not None:
            flat = flat[flat != pad]
        samples.append(flat)
    pooled = np.concatenate(samples) if samples else np.zeros(1, np.float32)
    if pooled.size == 0:
        pooled = np.zeros(1, np.float32)
    low, high = np.percentile(pooled, AUTO_PERCENTILES)
    width = max(float(high - low), 1.0)
    return (width, float(low + high) / 2.0)
