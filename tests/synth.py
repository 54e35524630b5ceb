"""Synthetic series for tests, with a marker in every slice's pixels.

Slice ``k`` (its true place in display order) is filled with one value that, under the marker
window stored in its header, displays as ``20 + 4k``; reading a tile's centre pixel back tells
which slice landed there even through lossy compression.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from dicom_mosaic.sample import InstanceSpec, stable_uuid, write_series

MARKER_WINDOW = (2550.0, 1275.0)  #: width, center: display = HU / 10
SIZE = 16


def marker_hu(k: int) -> int:
    return 10 * (20 + 4 * k)


def marker_pixels(k: int, shape: tuple[int, int] = (SIZE, SIZE)) -> np.ndarray:
    return np.full(shape, marker_hu(k) + 1024, np.uint16)


def series_uid(name: str) -> str:
    return stable_uuid("test-series", name)


def axial(k: int, spacing: float = 2.5, **kw) -> InstanceSpec:
    """Slice k of an axial stack: k = 0 is the most superior (largest z)."""
    kw.setdefault("pixels", marker_pixels(k))
    kw.setdefault("window", MARKER_WINDOW)
    return InstanceSpec(position=(0.0, 0.0, 100.0 - spacing * k), **kw)


def shuffled(specs: Sequence[InstanceSpec], seed: int = 3) -> list[InstanceSpec]:
    """Storage order and InstanceNumbers both unrelated to display order."""
    specs = list(specs)
    numbers = list(range(1, len(specs) + 1))
    rng = random.Random(seed)
    rng.shuffle(numbers)
    for spec, number in zip(specs, numbers, strict=True):
        spec.instance_number = number
    rng.shuffle(specs)
    return specs


def make_series(root: Path, name: str, specs: Sequence[InstanceSpec]) -> str:
    uid = series_uid(name)
    write_series(root, uid, specs)
    return uid


def read_markers(path: Path, columns: int, rows: int) -> list[int | None]:
    """Marker index shown in each tile (row-major), None for a black tile."""
    image = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    tile_h, tile_w = image.shape[0] // rows, image.shape[1] // columns
    found: list[int | None] = []
    for r in range(rows):
        for c in range(columns):
            centre = image[
                r * tile_h + tile_h // 2 - 1 : r * tile_h + tile_h // 2 + 2,
                c * tile_w + tile_w // 2 - 1 : c * tile_w + tile_w // 2 + 2,
            ]
            value = float(np.median(centre))
            found.append(None if value < 10 else round((value - 20) / 4))
    return found


def verbose_summary(err: str) -> dict:
    """The JSON summary ``-v`` prints: series, size and request/byte statistics."""
    line = next(x for x in err.splitlines() if x.startswith("dicom-mosaic: {"))
    return json.loads(line.removeprefix("dicom-mosaic: "))


def header_length(path: Path) -> int:
    """Bytes before the pixel data element: what the header pass needs to read."""
    import pydicom

    with open(path, "rb") as fh:
        pydicom.dcmread(fh, stop_before_pixels=True)
        return fh.tell()
