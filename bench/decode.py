"""Decode time of one tile, reduced-resolution decoding (scaled.py) on and off.

Real JPEG 2000 and JPEG files from pydicom's test data, decoded for a 128-px tile the way a
mosaic does (decode, shrink, modality LUT); best of several runs. A benchmark: it reports.

    .venv/bin/python bench/decode.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

from pydicom.data import get_testdata_file

from dicom_mosaic import decode

FILES = (
    "RG1_J2KR.dcm",  # 1841x1955 CR, JPEG 2000 lossless
    "RG3_J2KR.dcm",  # 1760x1760 CR, JPEG 2000 lossless
    "MR2_J2KR.dcm",  # 1024x1024 MR, JPEG 2000 lossless
    "693_J2KR.dcm",  # 512x512 CT, JPEG 2000 lossless
    "color3d_jpeg_baseline.dcm",  # 640x480 US, JPEG baseline YBR_FULL_422
)
BOX = (128, 128)


def best_ms(data: bytes, runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        decode.decode_frame(data, 0, BOX)
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> int:
    print(f"one frame for a {BOX[0]}-px tile, best of 7 (ms)\n")
    print(f"{'file':<28}{'full decode':>12}{'reduced':>10}{'speed-up':>10}")
    for name in FILES:
        data = Path(get_testdata_file(name, download=False)).read_bytes()
        with mock.patch.object(decode, "scaled_frame", lambda *_: None):
            full = best_ms(data)
        reduced = best_ms(data)
        print(f"{name:<28}{full:>12.1f}{reduced:>10.1f}{full / reduced:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
