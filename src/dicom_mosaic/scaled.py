"""Decode a compressed frame at a fraction of its size: JPEG 2000 levels, JPEG DCT scaling.

A 128-px tile never needs all 4096 columns of a mammogram. JPEG 2000 stores an image as wavelet
resolution levels, and a JPEG's 8x8 DCT blocks can be decoded at 1/2, 1/4 or 1/8 scale; both
skip most of the decoding work. Pillow (OpenJPEG, libjpeg) exposes both, pydicom's decoders
neither, so this module asks Pillow for the smaller picture and then undoes Pillow's quirks the
way pydicom's own Pillow decoder does (``pydicom.pixels.decoders.pillow``): N-bit samples come
back scaled to 8 or 16 bits, signed ones level-shifted.

Anything this cannot do exactly as pydicom would (other transfer syntaxes, palette colour,
a codestream whose size, precision or signedness disagrees with the header, more than 16 bits,
JPEG 2000 colour, whose reduced levels came back desaturated from Pillow in our tests) returns
None, and the caller decodes the full frame through pydicom.
"""

from __future__ import annotations

import io
import math
import struct
import warnings

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.pixels import convert_color_space
from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
)

J2K_SYNTAXES = frozenset({JPEG2000Lossless, JPEG2000, HTJ2KLossless, HTJ2KLosslessRPCL, HTJ2K})
JPEG_SYNTAXES = frozenset({JPEGBaseline8Bit, JPEGExtended12Bit})
#: Photometric interpretations whose samples can be averaged: not palette indices.
_GREY = frozenset({"MONOCHROME1", "MONOCHROME2"})
_YBR = frozenset({"YBR_FULL", "YBR_FULL_422"})
_COLOUR = frozenset({"RGB"}) | _YBR  #: JPEG's; JPEG 2000 colour is left to pydicom

_SOC, _SIZ, _COD, _SOT = 0xFF4F, 0xFF51, 0xFF52, 0xFF90


def scaled_frame(ds: Dataset, frame: int, factor: int) -> np.ndarray | None:
    """Frame ``frame`` shrunk by a power of two no larger than ``factor``, or None.

    The values are what ``pydicom.pixels.pixel_array`` would give (stored values for grey,
    RGB for colour), only fewer of them.
    """
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if factor < 2 or (syntax not in J2K_SYNTAXES and syntax not in JPEG_SYNTAXES):
        return None
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if not ((samples == 1 and photometric in _GREY) or (samples == 3 and photometric in _COLOUR)):
        return None
    if samples != 1 and syntax in J2K_SYNTAXES:
        return None
    try:
        frames = max(1, int(ds.get("NumberOfFrames", 1) or 1))
        codestream = get_frame(ds.PixelData, frame, number_of_frames=frames)
        rows, columns = int(ds.Rows), int(ds.Columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if syntax in J2K_SYNTAXES:
                pixels = _j2k(codestream, ds, factor)
            else:
                pixels = _jpeg(codestream, ds, factor, "L" if samples == 1 else "RGB")
    except Exception:  # anything odd: pydicom's full decode says what is wrong, if anything
        return None
    if pixels is None:
        return None
    scale = math.ceil(columns / pixels.shape[1])
    if pixels.shape[:2] != (math.ceil(rows / scale), math.ceil(columns / scale)):
        return None
    if samples == 3 and photometric in _YBR:
        pixels = convert_color_space(pixels, "YBR_FULL", "RGB")
    return pixels


class J2KHeader:
    """The few main-header fields that decide whether a reduced decode is exact."""

    def __init__(self, codestream: bytes) -> None:
        if struct.unpack(">H", codestream[:2])[0] != _SOC:
            raise ValueError("not a JPEG 2000 codestream")  # e.g. a JP2 file, non-conformant
        size: tuple[int, int, int, int] | None = None
        levels: int | None = None
        pos = 2
        while pos + 4 <= len(codestream):
            marker, length = struct.unpack(">HH", codestream[pos : pos + 4])
            if marker == _SIZ:
                xsiz, ysiz, xo, yo = struct.unpack(">IIII", codestream[pos + 6 : pos + 22])
                components = struct.unpack(">H", codestream[pos + 38 : pos + 40])[0]
                ssiz = set(codestream[pos + 40 : pos + 40 + 3 * components : 3])
                if len(ssiz) != 1:  # components of different precision: leave it to pydicom
                    raise ValueError("mixed component precision")
                size = (ysiz - yo, xsiz - xo, components, ssiz.pop())
            elif marker == _COD:
                levels = codestream[pos + 11]  # SPcod's first byte: decomposition levels
            elif marker == _SOT:
                break
            pos += 2 + length
        if size is None or levels is None:
            raise ValueError("no SIZ or COD marker in the main header")
        self.rows, self.columns, self.components, ssiz_value = size
        self.signed = bool(ssiz_value & 0x80)
        self.precision = (ssiz_value & 0x7F) + 1
        self.levels = levels


def _j2k(codestream: bytes, ds: Dataset, factor: int) -> np.ndarray | None:
    """Grey JPEG 2000 only (the caller checked SamplesPerPixel)."""
    head = J2KHeader(codestream)
    if (
        (head.rows, head.columns) != (int(ds.Rows), int(ds.Columns))
        or head.components != 1
        or head.signed != bool(int(ds.get("PixelRepresentation", 0) or 0))
        or head.precision > 16
    ):
        return None
    # One level is held back: the wavelet low-pass alone is sharper than the box filter that
    # shrinks every other image (aliasing on noisy MR), and a last 2x box step keeps all
    # encodings of one image looking alike, at a quarter of the full decode's work or less.
    image = None
    for reduce in range(min(int(math.log2(factor)) - 1, head.levels), 0, -1):
        image = Image.open(io.BytesIO(codestream), formats=("JPEG2000",))
        image.reduce = reduce  # type: ignore[method-assign,assignment]  # Pillow's J2K attribute
        try:
            image.load()
            break
        except OSError:  # OpenJPEG refuses some levels of some codestreams, and says so at once
            image = None
    if image is None:
        return None
    pixels = np.asarray(image)
    container = 8 if pixels.dtype == np.uint8 else 16
    values = pixels.astype(np.int32)
    if head.signed:  # Pillow level-shifted signed samples into the unsigned range
        values -= 1 << (container - 1)
    return values >> (container - head.precision)


def _jpeg(codestream: bytes, ds: Dataset, factor: int, expected_mode: str) -> np.ndarray | None:
    if int(ds.get("BitsAllocated", 8) or 8) != 8:  # libjpeg in Pillow decodes 8-bit only
        return None
    image = Image.open(io.BytesIO(codestream), formats=("JPEG",))
    if image.size != (int(ds.Columns), int(ds.Rows)) or image.mode != expected_mode:
        return None  # CMYK/YCCK streams and the like: pydicom's decoders decide
    scale = max(s for s in (8, 4, 2, 1) if s <= factor)
    if scale == 1:
        return None
    size = (math.ceil(image.width / scale), math.ceil(image.height / scale))
    # As pydicom does: without an Adobe marker, keep libjpeg from converting the colours, and
    # convert from the photometric interpretation the header states.
    mode = "YCbCr" if image.mode == "RGB" and "adobe_transform" not in image.info else None
    image.draft(mode, size)
    image.load()
    return np.asarray(image)
