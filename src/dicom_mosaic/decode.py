"""Decode one slice's pixels to modality values (or RGB), trusting no size in the header."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, pixel_array

from .errors import MosaicError
from .frames import single_frame_view
from .scaled import scaled_frame

#: Refuse frames larger than this before allocating anything: 64 Mpx is above any radiograph,
#: mammogram or slide tile in IDC, and its float32 copy still fits a 2 GB Lambda.
MAX_FRAME_PIXELS = 8192 * 8192
MAX_FRAMES = 100_000


class DecodeError(MosaicError):
    """One slice cannot be decoded; its tile stays black."""


@dataclass
class Frame:
    """Pixels ready for display: modality values (float32, 2-D) or RGB (uint8, 3-D)."""

    pixels: np.ndarray
    dataset: Dataset

    @property
    def color(self) -> bool:
        return self.pixels.ndim == 3

    @property
    def monochrome1(self) -> bool:
        return str(self.dataset.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1"

    @property
    def padding_value(self) -> float | None:
        """PixelPaddingValue in modality units, to keep it out of auto-window statistics."""
        value = self.dataset.get("PixelPaddingValue")
        if value is None:
            return None
        slope = float(self.dataset.get("RescaleSlope", 1) or 1)
        intercept = float(self.dataset.get("RescaleIntercept", 0) or 0)
        return float(value) * slope + intercept


def check_sizes(ds: Dataset) -> None:
    """Refuse absurd sizes before pydicom allocates for them (headers are attacker-controlled).

    Whether the pixel data is as long as the header says is pydicom's own check, made before
    it allocates the frame (it knows subsampled and deflated layouts too).
    """
    try:
        rows, cols = int(ds.Rows), int(ds.Columns)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        bits = int(ds.get("BitsAllocated", 16) or 16)
    except (AttributeError, TypeError, ValueError) as exc:
        raise DecodeError(f"image pixel module is incomplete ({exc})") from None
    if (
        rows <= 0
        or cols <= 0
        or frames <= 0
        or samples not in (1, 3)
        or bits not in (1, 8, 16, 32, 64)
    ):
        raise DecodeError(
            f"implausible image size {rows}x{cols}, {frames} frames, {samples} samples, {bits} bits"
        )
    if rows * cols > MAX_FRAME_PIXELS or frames > MAX_FRAMES:
        raise DecodeError(f"frame too large ({rows}x{cols}, {frames} frames)")


def reduce_factor(rows: int, columns: int, box: tuple[int, int]) -> int:
    """The largest whole factor a frame can shrink by and still cover its tile."""
    return max(1, min(columns // max(1, box[0]), rows // max(1, box[1])))


def block_mean(pixels: np.ndarray, factor: int) -> np.ndarray:
    """Shrink by a whole factor, averaging each block (an area filter: no aliasing)."""
    if factor <= 1:
        return pixels
    rows, cols = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
    # Adding the factor² strided sub-grids is ~6x faster than ndarray.mean over block axes.
    total = np.zeros((rows // factor, cols // factor), np.float32)
    for dy in range(factor):
        for dx in range(factor):
            total += pixels[dy:rows:factor, dx:cols:factor]
    return total / np.float32(factor * factor)


def decode_frame(
    data: bytes | Dataset, frame: int = 0, box: tuple[int, int] | None = None
) -> Frame:
    """Decode one frame of a whole DICOM object held in memory.

    With ``box`` (the tile size) the frame is decoded at a reduced resolution where the codec
    allows it, then shrunk by a whole factor, so rescaling, windowing and resizing work on a
    few thousand pixels instead of a full-resolution frame.
    """
    if isinstance(data, Dataset):  # one frame already cut out by frames.read_frame
        ds = data
    else:
        try:
            ds = dcmread(io.BytesIO(data))
        except Exception as exc:
            raise DecodeError(f"unreadable DICOM ({exc})") from None
    check_sizes(ds)
    if not 0 <= frame < int(ds.get("NumberOfFrames", 1) or 1):
        raise DecodeError(f"frame {frame + 1} does not exist")
    # JPEG 2000 and JPEG can skip most of the work for a small tile (see scaled.py)
    pixels = scaled_frame(ds, frame, reduce_factor(ds.Rows, ds.Columns, box)) if box else None
    if pixels is None:
        try:
            pixels = pixel_array(ds, index=frame)
        except Exception as exc:
            syntax = ds.file_meta.get("TransferSyntaxUID")
            name = getattr(syntax, "name", syntax)
            raise DecodeError(f"cannot decode pixel data ({name}): {exc}") from None
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:  # enhanced: this frame's rescale and window
        ds = single_frame_view(ds, frame)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if photometric == "PALETTE COLOR" and pixels.ndim == 2:
        try:
            pixels = apply_color_lut(pixels, ds)
        except Exception as exc:
            raise DecodeError(f"cannot apply the palette ({exc})") from None
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        return Frame(_rgb8(pixels, ds), ds)
    if pixels.ndim != 2:
        raise DecodeError(f"unexpected pixel array shape {pixels.shape}")
    factor = reduce_factor(*pixels.shape, box) if box else 1
    if "ModalityLUTSequence" in ds:  # a lookup table needs the stored integers
        return Frame(block_mean(apply_modality_lut(pixels, ds).astype(np.float32), factor), ds)
    values = apply_modality_lut(block_mean(pixels, factor), ds)  # linear: order is free
    return Frame(np.asarray(values, dtype=np.float32), ds)


def _rgb8(pixels: np.ndarray, ds: Dataset) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels
    if str(ds.get("PhotometricInterpretation", "")).strip() == "PALETTE COLOR":
        bits = 16 if int(ds.RedPaletteColorLookupTableDescriptor[2]) > 8 else 8
    else:
        bits = int(ds.get("BitsStored", 16) or 16)
    return (pixels.astype(np.float32) * (255.0 / (2**bits - 1))).clip(0, 255).astype(np.uint8)
