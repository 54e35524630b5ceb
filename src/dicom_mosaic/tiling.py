"""Lay display-ready tiles out on one canvas, row-major, first slice top-left."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from .errors import UsageError
from .request import MAX_CANVAS_PIXELS, MAX_CANVAS_SIDE


def tile_height(image_width: int, aspect: float) -> int:
    """Tile height for a tile ``image_width`` wide showing an image of physical ``aspect`` (h/w)."""
    return max(1, round(image_width * aspect))


def check_canvas(columns: int, rows: int, tile_w: int, tile_h: int) -> None:
    width, height = columns * tile_w, rows * tile_h
    if height > MAX_CANVAS_SIDE or width * height > MAX_CANVAS_PIXELS:
        raise UsageError(
            f"mosaic would be {width}x{height} px; the limits are {MAX_CANVAS_SIDE} px a side "
            f"and {MAX_CANVAS_PIXELS} px in all (lower tile_width, tile_height or image_width)"
        )


def fit(image: np.ndarray, aspect: float, box: tuple[int, int]) -> Image.Image:
    """Resize a uint8 image to fit the box at its physical aspect, centred on black."""
    box_w, box_h = box
    mode = "RGB" if image.ndim == 3 else "L"
    picture = Image.fromarray(np.ascontiguousarray(image), mode)
    if box_w * aspect <= box_h:
        width, height = box_w, max(1, round(box_w * aspect))
    else:
        width, height = max(1, round(box_h / aspect)), box_h
    resized = picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if (width, height) == box:
        return resized
    tile = Image.new(mode, box)
    tile.paste(resized, ((box_w - width) // 2, (box_h - height) // 2))
    return tile


def assemble(
    tiles: Sequence[Image.Image | None], columns: int, rows: int, box: tuple[int, int]
) -> Image.Image:
    """Tiles left to right, top to bottom; ``None`` and missing tiles stay black."""
    mode = "RGB" if any(t is not None and t.mode == "RGB" for t in tiles) else "L"
    canvas = Image.new(mode, (columns * box[0], rows * box[1]))
    for index, tile in enumerate(tiles[: columns * rows]):
        if tile is None:
            continue
        row, column = divmod(index, columns)
        canvas.paste(tile.convert(mode), (column * box[0], row * box[1]))
    return canvas
