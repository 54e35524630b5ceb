"""Synthetic DICOM series: the bundled demo phantom, and the builder tests use for theirs.

Nothing here is committed as a blob: a series is generated deterministically from a seed, laid
out as IDC lays out its buckets, ``<root>/<series-uuid>/<instance-uuid>.dcm``.

Run ``python -m dicom_mosaic.sample ROOT`` to write the demo series and print its UID.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian, generate_uid

DEMO_SERIES = "5eed0000-d1c0-4d05-a1c0-000000000001"
_NAMESPACE = uuid.UUID("8a8f3f6e-3c44-4c41-9a7e-6f0d1b2c3d4e")


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


@dataclass
class InstanceSpec:
    """Everything one synthetic instance varies in; the rest is a plausible CT header."""

    pixels: np.ndarray  #: stored values (uint16/int16), 2-D, or 3-D for multi-frame
    position: Sequence[float] | None = (0.0, 0.0, 0.0)
    orientation: Sequence[float] | None = (1, 0, 0, 0, 1, 0)
    instance_number: int | None = 1
    slice_location: float | None = None
    pixel_spacing: Sequence[float] | None = (0.7, 0.7)
    rescale: tuple[float, float] = (1.0, -1024.0)  #: slope, intercept
    window: tuple[float, float] | None = (400.0, 40.0)  #: width, center
    modality: str = "CT"
    photometric: str = "MONOCHROME2"
    times: dict[str, str] = field(default_factory=dict)  #: e.g. {"ContentTime": "120000"}
    private_bytes: int = 0  #: a private block this long before group 0020
    transfer_syntax: UID = ExplicitVRLittleEndian
    sop_class: UID = CTImageStorage


def make_dataset(spec: InstanceSpec, series_uid: str, sop_uid: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = spec.sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = spec.transfer_syntax
    ds.SOPClassUID = spec.sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = generate_uid(entropy_srcs=["study", series_uid])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=["series", series_uid])
    ds.Modality = spec.modality
    ds.PatientName = "Phantom^Demo"
    ds.PatientID = "DEMO-0001"
    for keyword, value in spec.times.items():
        setattr(ds, keyword, value)
    if spec.private_bytes:
        block = ds.private_block(0x0019, "DICOM-MOSAIC TEST", create=True)
        block.add_new(0x10, "OB", bytes(spec.private_bytes))
    if spec.instance_number is not None:
        ds.InstanceNumber = spec.instance_number
    if spec.position is not None:
        ds.ImagePositionPatient = [f"{v:.4f}" for v in spec.position]
    if spec.orientation is not None:
        ds.ImageOrientationPatient = [f"{v:g}" for v in spec.orientation]
    if spec.slice_location is not None:
        ds.SliceLocation = f"{spec.slice_location:.4f}"
    pixels = np.asarray(spec.pixels)
    frames = pixels.shape[0] if pixels.ndim == 3 else 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = spec.photometric
    ds.Rows, ds.Columns = pixels.shape[-2:]
    if frames > 1:
        ds.NumberOfFrames = frames
    if spec.pixel_spacing is not None:
        ds.PixelSpacing = [f"{v:g}" for v in spec.pixel_spacing]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if pixels.dtype == np.int16 else 0
    if spec.window is not None:
        ds.WindowWidth, ds.WindowCenter = (f"{v:g}" for v in spec.window)
    ds.RescaleSlope, ds.RescaleIntercept = (f"{v:g}" for v in spec.rescale)
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    if spec.transfer_syntax.is_compressed:
        ds.set_original_encoding(False, True)
        from pydicom.pixels import compress  # only the codec tests need an encoder

        compress(ds, spec.transfer_syntax, arr=pixels)
    return ds


def write_series(root: Path, series: str, specs: Sequence[InstanceSpec]) -> list[Path]:
    """Write instances as ``root/series/<uuid>.dcm``; file names do not follow slice order."""
    folder = Path(root) / series
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, spec in enumerate(specs):
        sop_uid = generate_uid(entropy_srcs=[series, str(i)])
        ds = make_dataset(spec, series, sop_uid)
        path = folder / f"{stable_uuid(series, i)}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


# ---- the demo phantom --------------------------------------------------------------------------


def _ellipse(yy, xx, cy, cx, ry, rx):
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def phantom_slice(t: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """HU values of a crude head-to-pelvis phantom at fraction ``t`` (0 = top of head)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    hu = np.full((size, size), -1000.0, np.float32)
    if t < 0.2:  # head: skull, brain, ventricles
        r = 0.3 * np.sqrt(max(0.05, 1 - ((t - 0.11) / 0.11) ** 2))
        hu[_ellipse(yy, xx, 0.5, 0.5, r * 1.1, r)] = 1000
        hu[_ellipse(yy, xx, 0.5, 0.5, r * 1.1 - 0.02, r - 0.02)] = 35
        if 0.07 < t < 0.15:
            hu[_ellipse(yy, xx, 0.48, 0.46, r * 0.3, r * 0.08)] = 5
            hu[_ellipse(yy, xx, 0.48, 0.54, r * 0.3, r * 0.08)] = 5
    elif t < 0.27:  # neck
        hu[_ellipse(yy, xx, 0.5, 0.5, 0.13, 0.15)] = 40
        hu[_ellipse(yy, xx, 0.56, 0.5, 0.035, 0.035)] = 700
        hu[_ellipse(yy, xx, 0.44, 0.5, 0.02, 0.025)] = -1000
    else:  # trunk
        width = 0.42 if t < 0.62 else 0.38
        hu[_ellipse(yy, xx, 0.52, 0.5, 0.3, width)] = -80  # fat
        hu[_ellipse(yy, xx, 0.52, 0.5, 0.27, width - 0.03)] = 40  # muscle / organs
        hu[_ellipse(yy, xx, 0.72, 0.5, 0.05, 0.05)] = 700  # vertebra
        if t < 0.62:  # thorax: lungs, heart, ribs
            lung = 0.2 * np.sqrt(max(0.0, 1 - ((t - 0.45) / 0.18) ** 2))
            hu[_ellipse(yy, xx, 0.5, 0.33, lung * 1.1, lung * 0.6)] = -850
            hu[_ellipse(yy, xx, 0.5, 0.67, lung * 1.1, lung * 0.6)] = -850
            if 0.38 < t < 0.55:
                hu[_ellipse(yy, xx, 0.45, 0.56, 0.1, 0.09)] = 45
            angle = np.arctan2(yy - 0.52, xx - 0.5)
            ring = _ellipse(yy, xx, 0.52, 0.5, 0.29, width - 0.01) & ~_ellipse(
                yy, xx, 0.52, 0.5, 0.265, width - 0.04
            )
            hu[ring & (np.cos(angle * 14) > 0.6)] = 800
        else:  # abdomen: liver, kidneys, bowel gas
            if t < 0.78:
                hu[_ellipse(yy, xx, 0.47, 0.33, 0.15, 0.14)] = 60
            hu[_ellipse(yy, xx, 0.62, 0.36, 0.05, 0.035)] = 30
            hu[_ellipse(yy, xx, 0.62, 0.64, 0.05, 0.035)] = 30
            hu[_ellipse(yy, xx, 0.45, 0.6, 0.03, 0.04)] = -950
    hu += rng.normal(0.0, 12.0, hu.shape).astype(np.float32)
    return hu


def demo_series(root: Path, slices: int = 160, size: int = 256) -> str:
    """Write the deterministic demo CT (head to pelvis, 2.5 mm slices) and return its UID."""
    rng = np.random.default_rng(20261125)
    specs = []
    order = np.random.default_rng(7).permutation(slices)  # storage order is not slice order
    for i in order:
        z = -2.5 * float(i)
        hu = phantom_slice(i / (slices - 1), size, rng)
        stored = np.clip(np.rint(hu + 1024), 0, 4095).astype(np.uint16)
        specs.append(
            InstanceSpec(
                pixels=stored,
                position=(-size * 0.35, -size * 0.35, z),
                instance_number=int(i) + 1,
                slice_location=z,
                pixel_spacing=(0.7 * 256 / size * 1.9, 0.7 * 256 / size * 1.9),
            )
        )
    write_series(root, DEMO_SERIES, specs)
    return DEMO_SERIES


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m dicom_mosaic.sample ROOT", file=sys.stderr)
        return 1
    root = Path(args[0])
    if (root / DEMO_SERIES).is_dir() and any((root / DEMO_SERIES).iterdir()):
        print(DEMO_SERIES)
        return 0
    print(demo_series(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
