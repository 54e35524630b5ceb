"""Whole-slide microscopy (SM): one picture of the slide from its smallest pyramid level.

A slide series holds a pyramid of VOLUME images (hundreds of MB at the base), often a THUMBNAIL,
and LABEL / OVERVIEW images. The picture comes from the THUMBNAIL or else the smallest VOLUME
level; the base levels are never read past their headers, and LABEL and OVERVIEW never at all
(a label can carry the patient's name).
"""

from __future__ import annotations

import math

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import VLWholeSlideMicroscopyImageStorage

from .decode import Frame, decode_frame
from .errors import NoDisplayableImages
from .frames import frame_count
from .header import Header

NEVER_SHOWN = {"LABEL", "OVERVIEW"}


def _sop_class(ds: Dataset) -> str:
    return str(ds.get("SOPClassUID", "") or ds.file_meta.get("MediaStorageSOPClassUID", ""))


def is_slide(header: Header) -> bool:
    return _sop_class(header.dataset) == VLWholeSlideMicroscopyImageStorage


def flavor(ds: Dataset) -> str:
    """VOLUME, THUMBNAIL, LABEL or OVERVIEW: the third value of ImageType."""
    image_type = ds.get("ImageType") or []
    try:
        return str(image_type[2]).upper() if len(image_type) > 2 else "VOLUME"
    except TypeError:
        return "VOLUME"


def total_size(ds: Dataset) -> tuple[int, int]:
    """(rows, columns) of the whole level; a single-tile image is just its frame."""
    try:
        return int(ds.TotalPixelMatrixRows), int(ds.TotalPixelMatrixColumns)
    except (AttributeError, TypeError, ValueError):
        return int(ds.Rows), int(ds.Columns)


def choose_level(headers: list[Header], series: str) -> Header:
    slides = [h for h in headers if is_slide(h) and h.has_pixels]
    shown = [h for h in slides if flavor(h.dataset) not in NEVER_SHOWN]
    if not shown:
        raise NoDisplayableImages(
            f"series {series} is a slide with only label/overview images, which are not shown"
        )
    thumbnails = [h for h in shown if flavor(h.dataset) == "THUMBNAIL"]
    candidates = thumbnails or shown
    return min(candidates, key=lambda h: math.prod(total_size(h.dataset)))


def _tile_origins(ds: Dataset, frames: int) -> list[tuple[int, int]]:
    """(row, column) of each frame's top-left corner in the total pixel matrix (0-based)."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    origins = []
    if per_frame is not None and len(per_frame) >= frames:
        for group in per_frame[:frames]:
            try:
                plane = group.PlanePositionSlideSequence[0]
                origins.append(
                    (
                        int(plane.RowPositionInTotalImagePixelMatrix) - 1,
                        int(plane.ColumnPositionInTotalImagePixelMatrix) - 1,
                    )
                )
            except (AttributeError, IndexError, TypeError, ValueError):
                break
        if len(origins) == frames:
            return origins
    # TILED_FULL: frames fill the matrix row by row (first focal plane and optical path first)
    rows, cols = int(ds.Rows), int(ds.Columns)
    per_row = math.ceil(total_size(ds)[1] / cols)
    return [(i // per_row * rows, i % per_row * cols) for i in range(frames)]


def assemble(data: bytes, header: Header) -> Frame:
    """Decode every tile of one level and lay them out as one frame."""
    ds = header.dataset
    total_rows, total_cols = total_size(ds)
    rows, cols = int(ds.Rows), int(ds.Columns)
    frames = frame_count(ds)
    per_plane = math.ceil(total_rows / rows) * math.ceil(total_cols / cols)
    origins = _tile_origins(ds, min(frames, per_plane))
    canvas: np.ndarray | None = None
    first: Frame | None = None
    for index, (top, left) in enumerate(origins):
        if top >= total_rows or left >= total_cols:
            continue
        tile = decode_frame(data, index)
        if canvas is None:
            first = tile
            shape = (total_rows, total_cols, 3) if tile.color else (total_rows, total_cols)
            canvas = np.zeros(shape, tile.pixels.dtype)
        h, w = min(rows, total_rows - top), min(cols, total_cols - left)
        canvas[top : top + h, left : left + w] = tile.pixels[:h, :w]
    if canvas is None or first is None:
        raise NoDisplayableImages("the slide level has no tiles inside its pixel matrix")
    return Frame(canvas, first.dataset)
