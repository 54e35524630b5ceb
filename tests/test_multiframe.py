"""Multi-frame objects: frames are slices, and only the selected frames are read."""

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate_extended
from pydicom.pixels import compress
from pydicom.uid import (
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

from support.rangeserver import RangeServer
from synth import axial, make_series, read_markers, series_uid
from synth import marker_pixels as marker

N = 20
FRAME_ORDER = np.random.default_rng(5).permutation(N)  # frame i shows display slice FRAME_ORDER[i]


def textured(k: int, size: int) -> np.ndarray:
    """Marker k in the centre, noise around it: compresses like a real image, not to nothing."""
    rng = np.random.default_rng(k)
    pixels = rng.integers(0, 3000, (size, size), dtype=np.uint16)
    c = size // 2
    pixels[c - 8 : c + 8, c - 8 : c + 8] = marker(k, (16, 16))
    return pixels


def item(**values) -> Dataset:
    ds = Dataset()
    for k, v in values.items():
        setattr(ds, k, v)
    return ds


def enhanced_ct(syntax=ExplicitVRLittleEndian, extended=False, size=64) -> Dataset:
    """An enhanced CT whose frames are stored out of spatial order; geometry, rescale and
    window only in functional groups."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = EnhancedCTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = uid = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = EnhancedCTImageStorage, uid, "CT"
    ds.InstanceNumber = 1
    ds.Rows = ds.Columns = size
    ds.NumberOfFrames = N
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.SharedFunctionalGroupsSequence = [
        item(
            PixelMeasuresSequence=[item(PixelSpacing=[0.5, 0.5], SliceThickness=1)],
            PlaneOrientationSequence=[item(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])],
            PixelValueTransformationSequence=[
                item(RescaleSlope=1, RescaleIntercept=-1024, RescaleType="HU")
            ],
            FrameVOILUTSequence=[item(WindowCenter=1275, WindowWidth=2550)],
        )
    ]
    ds.PerFrameFunctionalGroupsSequence = [
        item(PlanePositionSequence=[item(ImagePositionPatient=[0, 0, 100 - 2.0 * int(k)])])
        for k in FRAME_ORDER
    ]
    pixels = np.stack([textured(int(k), size) for k in FRAME_ORDER])
    ds.PixelData = pixels.tobytes()
    if syntax != ExplicitVRLittleEndian:
        compress(ds, syntax, arr=pixels)
        if extended:  # rewrite with an Extended Offset Table instead of a basic one
            from pydicom.encaps import generate_frames

            frames = list(generate_frames(ds.PixelData, number_of_frames=N))
            data, offsets, lengths = encapsulate_extended(frames)
            ds.PixelData, ds.ExtendedOffsetTable = data, offsets
            ds.ExtendedOffsetTableLengths = lengths
    return ds


def save_single(root, name, ds) -> str:
    uid = series_uid(name)
    (root / uid).mkdir()
    ds.save_as(root / uid / "multi.dcm", enforce_file_format=True)
    return uid


def frame_reads(server, uid):
    return [
        r
        for m, p, r in server.log.requests
        if p.endswith("multi.dcm") and r and not r.startswith("bytes=0-")
    ]


@pytest.mark.parametrize(
    ("syntax", "extended"),
    [
        (ExplicitVRLittleEndian, False),  # native: fixed offsets
        (RLELossless, False),  # Basic Offset Table (inside the bytes pass 1 already read)
        (JPEG2000Lossless, True),  # Extended Offset Table, in the header
    ],
)
def test_enhanced_ct_frames_sorted_and_only_selected_frames_read(
    root, tmp_path, cli, syntax, extended
):
    uid = save_single(root, f"enh-{syntax}-{extended}", enhanced_ct(syntax, extended))
    size = (root / uid / "multi.dcm").stat().st_size
    out = tmp_path / "m.jpg"
    with RangeServer(root) as server:
        run = cli(uid, out, "--root", server.url, "--tile-width", 2, "-q", 100)
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 6, 13, 19]
    reads = frame_reads(server, uid)
    assert len(reads) == 4  # one ranged read per shown frame, nothing else
    header_read = next(r for _, p, r in server.log.requests if p.endswith("multi.dcm"))
    assert header_read.startswith("bytes=0-")
    assert server.log.bytes_sent < 0.5 * size


def test_most_frames_wanted_reads_the_object_once(root, tmp_path, cli):
    uid = save_single(root, "enh-all", enhanced_ct())
    out = tmp_path / "m.jpg"
    with RangeServer(root) as server:
        run = cli(uid, out, "--root", server.url, "--tile-width", 5, "--tile-height", 4, "-q", 100)
    assert run.code == 0, run.err
    assert read_markers(out, 5, 4) == list(range(N))
    assert len(frame_reads(server, uid)) == 1  # the rest of the object, in one request


def test_cine_without_geometry_keeps_frame_order(root, tmp_path, cli):
    ds = enhanced_ct()
    del ds.PerFrameFunctionalGroupsSequence, ds.SharedFunctionalGroupsSequence
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = UltrasoundMultiFrameImageStorage
    ds.Modality, ds.NumberOfFrames = "US", 11
    ds.WindowCenter, ds.WindowWidth, ds.RescaleIntercept, ds.RescaleSlope = 1275, 2550, -1024, 1
    ds.FrameTime = 33.3
    ds.PixelData = np.stack([marker(k, (64, 64)) for k in range(11)]).tobytes()
    uid = save_single(root, "cine", ds)
    out = tmp_path / "one.jpg"
    run = cli(uid, out, "--root", root, "--position", 0.5, "-q", 100)
    assert run.code == 0, run.err
    assert read_markers(out, 1, 1) == [5]
    run = cli(uid, out, "--root", root, "--position", 0.5, "--slice-offset", 2, "-q", 100)
    assert read_markers(out, 1, 1) == [7]


def test_series_mixing_single_and_multi_frame_objects(root, tmp_path, cli):
    # two single-frame slices between the multi-frame object's frames (z spacing 2 mm)
    uid = make_series(
        root,
        "mixed-frames",
        [
            axial(0, pixels=marker(0, (64, 64)), spacing=0.5),  # z = 100
            axial(1, pixels=marker(21, (64, 64)), spacing=-0.5),  # z = 100.5: above everything
        ],
    )
    enhanced_ct().save_as(root / uid / "multi.dcm", enforce_file_format=True)
    out = tmp_path / "m.jpg"
    run = cli(uid, out, "--root", root, "--tile-width", 11, "--tile-height", 2, "-q", 100)
    assert run.code == 0, run.err
    shown = read_markers(out, 11, 2)
    # z=100.5 (marker 21), then z=100 twice (the single slice marker 0 and frame 0), then down
    assert shown[0] == 21 and shown[1:3] == [0, 0] and shown[3:] == list(range(1, N))
