"""Encode the finished picture as WebP or JPEG."""

from __future__ import annotations

import io

from PIL import Image, JpegImagePlugin, WebPImagePlugin  # noqa: F401 - registers the two

# Importing the two plugins we use registers them, so ``save`` does not import all of Pillow's
# plugins (~15 ms) looking for the format.

CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, format="WEBP", quality=quality, method=4)
    else:
        image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
