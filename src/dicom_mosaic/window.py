"""Window/level: modality values to 8-bit display values.

The man page fixes the formula: hard clipping at ``center -/+ width/2`` and a linear ramp between.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_voi, apply_windowing

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


def has_file_voi(ds: Dataset) -> bool:
    return "VOILUTSequence" in ds or file_window(ds) is not None


def apply_file_voi(values: np.ndarray, ds: Dataset) -> np.ndarray:
    """The file's own VOI transform to uint8, computed by pydicom.

    A VOI LUT Sequence wins (as pydicom prefers it); otherwise the first window with its
    VOILUTFunction (LINEAR, LINEAR_EXACT or SIGMOID). The window is evaluated against a
    minimal 8-bit dataset so pydicom's output range is exactly 0..255.
    """
    if "VOILUTSequence" in ds:
        bits = int(ds.VOILUTSequence[0].LUTDescriptor[2])
        out = apply_voi(np.rint(values).astype(np.int64), ds, index=0).astype(np.float32)
        return np.rint(np.clip(out * (255.0 / (2**bits - 1)), 0, 255)).astype(np.uint8)
    width, center = file_window(ds)  # type: ignore[misc]
    view = Dataset()
    view.BitsStored, view.PixelRepresentation = 8, 0
    view.PhotometricInterpretation = "MONOCHROME2"
    view.WindowWidth, view.WindowCenter = width, center
    view.VOILUTFunction = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    out = apply_windowing(values.astype(np.float64), view)
    return np.rint(np.clip(out, 0, 255)).astype(np.uint8)


def label_window(ds: Dataset) -> Window | None:
    """Segmentations show their labels: binary 0/1, or fractional 0..max, full range."""
    if str(ds.get("Modality", "")).strip() != "SEG":
        return None
    if str(ds.get("SegmentationType", "")).strip() == "FRACTIONAL":
        top = float(ds.get("MaximumFractionalValue", 255) or 255)
        return (top, top / 2)
    return (1.0, 0.5)


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
