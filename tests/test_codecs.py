"""Every codec and photometric interpretation renders like pydicom's own decoding says it should."""

import shutil

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi, pixel_array
from pydicom.uid import DeflatedExplicitVRLittleEndian, JPEG2000Lossless, RLELossless

from synth import axial, make_series, marker_pixels, read_markers, series_uid

SIZE = 96  # rendered width; references are resized the same way


def series_of(root, name, *filenames):
    uid = series_uid(name)
    (root / uid).mkdir()
    for i, filename in enumerate(filenames):
        shutil.copy(get_testdata_file(filename, download=False), root / uid / f"{i:02d}.dcm")
    return uid


def render(cli, root, tmp_path, uid, *args, width=SIZE):
    out = tmp_path / f"{uid}.jpg"
    run = cli(uid, out, "--root", root, "--position", 0, "--image-width", width, "-q", 100, *args)
    assert run.code == 0, run.err
    return np.asarray(Image.open(out).convert("RGB"), np.float32), run


def resize(image: np.ndarray, shape) -> np.ndarray:
    mode = "RGB" if image.ndim == 3 else "L"
    img = Image.fromarray(np.clip(np.rint(image), 0, 255).astype(np.uint8), mode)
    out = np.asarray(img.resize((shape[1], shape[0]), Image.Resampling.LANCZOS), np.float32)
    return out if out.ndim == 3 else np.repeat(out[..., None], 3, axis=2)


def area_mean(values: np.ndarray, width: int) -> np.ndarray:
    """What a viewer's thumbnail does: average whole blocks of the data before display."""
    k = max(1, values.shape[1] // width)
    h, w = values.shape[0] // k * k, values.shape[1] // k * k
    return values[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


def grey_reference(filename, window=None, width=SIZE):
    ds = pydicom.dcmread(get_testdata_file(filename, download=False))
    values = apply_modality_lut(pixel_array(ds, index=0), ds).astype(np.float64)
    values = area_mean(values, width)
    if window is None:
        lo, hi = np.percentile(values, (2, 98))
        window = (max(hi - lo, 1.0), (lo + hi) / 2)
    width, center = window
    out = np.clip((values - (center - width / 2)) * 255 / width, 0, 255)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        out = 255 - out
    return out, window


# One file per transfer syntax (and bit depth) found in IDC, decoded without gdcm.
CODECS = [
    "CT_small.dcm",  # Explicit VR Little Endian, 16-bit signed
    "MR_small_implicit.dcm",  # Implicit VR Little Endian
    "MR_small_bigendian.dcm",  # Explicit VR Big Endian
    "image_dfl.dcm",  # Deflated Explicit VR Little Endian
    "JPEG-LL.dcm",  # JPEG Lossless process 14 SV1
    "JPGExtended.dcm",  # JPEG Extended 12-bit (what the seed's d94176e6 series uses)
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS lossless
    "JPEGLSNearLossless_16.dcm",  # JPEG-LS near-lossless
    "MR_small_jp2klossless.dcm",  # JPEG 2000 lossless
    "693_J2KI.dcm",  # JPEG 2000 lossy
    "MR_small_RLE.dcm",  # RLE
    "RG1_UNCR.dcm",  # MONOCHROME1
    "RG3_J2KR.dcm",  # MONOCHROME1, JPEG 2000, 10-bit
]


@pytest.mark.parametrize("filename", CODECS)
def test_each_codec_renders_like_pydicom(root, tmp_path, cli, filename):
    expected, (ww, wc) = grey_reference(filename)
    uid = series_of(root, filename, filename)
    got, _ = render(cli, root, tmp_path, uid, "--window-width", ww, "--window-center", wc)
    assert np.abs(got - resize(expected, got.shape)).mean() < 3.0


def color_reference(filename):
    ds = pydicom.dcmread(get_testdata_file(filename, download=False))
    rgb = pixel_array(ds, index=0)  # pydicom converts YBR_* to RGB
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(rgb, ds)
    if rgb.dtype != np.uint8:  # 16-bit samples or LUT entries, shown on 8 bits
        rgb = rgb / 257.0
    return rgb.astype(np.float32)


@pytest.mark.parametrize(
    "filename",
    [
        "US1_UNCR.dcm",  # RGB
        "SC_ybr_full_uncompressed.dcm",  # YBR_FULL
        "SC_ybr_full_422_uncompressed.dcm",  # YBR_FULL_422
        "US1_J2KI.dcm",  # YBR_ICT
        "US1_J2KR.dcm",  # YBR_RCT
        "SC_rgb_jpeg_dcmtk.dcm",  # JPEG baseline, YBR_FULL
        "SC_rgb_rle.dcm",  # RLE colour
        "OBXXXX1A.dcm",  # PALETTE COLOR, 8-bit indices, 16-bit LUT entries
        "gdcm-US-ALOKA-16.dcm",  # PALETTE COLOR, segmented 16-bit LUTs
        "SC_rgb_16bit.dcm",  # 16-bit RGB
    ],
)
def test_colour_is_converted_to_rgb_and_not_windowed(root, tmp_path, cli, filename):
    expected = color_reference(filename)
    uid = series_of(root, filename, filename)
    # a window on the command line must not touch colour images
    got, _ = render(cli, root, tmp_path, uid, "--contrast-preset", "lung")
    assert np.abs(got - resize(expected, got.shape)).mean() < 4.0


@pytest.mark.parametrize(
    ("group", "tolerance"),
    [
        # The J2K members shrink through a wavelet level (scaled.py) where the others are
        # box-filtered: a different low-pass, so edges differ by a grey level or two.
        (("693_UNCR.dcm", "693_UNCI.dcm", "693_J2KR.dcm", "693_J2KI.dcm"), 4.0),
        (("MR2_UNCR.dcm", "MR2_UNCI.dcm", "MR2_J2KR.dcm", "MR2_J2KI.dcm"), 4.0),
        (("RG1_UNCR.dcm", "RG1_UNCI.dcm", "RG1_J2KR.dcm", "RG1_J2KI.dcm"), 4.0),
        (("US1_UNCR.dcm", "US1_UNCI.dcm", "US1_J2KR.dcm", "US1_J2KI.dcm"), 4.0),
        (
            (
                "emri_small.dcm",
                "emri_small_RLE.dcm",
                "emri_small_big_endian.dcm",
                "emri_small_jpeg_2k_lossless.dcm",
                "emri_small_jpeg_ls_lossless.dcm",
            ),
            1.0,
        ),
    ],
)
def test_every_encoding_of_one_image_renders_the_same(root, tmp_path, cli, group, tolerance):
    _, (ww, wc) = grey_reference(group[0]) if "US1" not in group[0] else (None, (255, 128))
    pictures = []
    for filename in group:
        uid = series_of(root, f"group-{filename}", filename)
        got, _ = render(cli, root, tmp_path, uid, "--window-width", ww, "--window-center", wc)
        pictures.append(got)
    for other in pictures[1:]:
        assert other.shape == pictures[0].shape
        assert np.abs(other - pictures[0]).mean() < tolerance


def with_voi(tmp_path, function: str, width: float, center: float):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.WindowWidth, ds.WindowCenter, ds.VOILUTFunction = width, center, function
    return ds


@pytest.mark.parametrize(
    ("function", "formula"),
    [
        # DICOM PS3.3 C.11.2.1.3: the three VOI LUT functions, written out as references
        (
            "LINEAR",
            lambda x, w, c: np.where(
                x <= c - 0.5 - (w - 1) / 2,
                0,
                np.where(x > c - 0.5 + (w - 1) / 2, 255, ((x - (c - 0.5)) / (w - 1) + 0.5) * 255),
            ),
        ),
        ("LINEAR_EXACT", lambda x, w, c: np.clip(((x - c) / w + 0.5) * 255, 0, 255)),
        ("SIGMOID", lambda x, w, c: 255 / (1 + np.exp(-4 * (x - c) / w))),
    ],
)
def test_file_window_honours_voi_lut_function(root, tmp_path, cli, function, formula):
    ds = with_voi(tmp_path, function, 300.0, 60.0)
    uid = series_uid(f"voi-{function}")
    (root / uid).mkdir()
    ds.save_as(root / uid / "a.dcm")
    values = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    expected = formula(values, 300.0, 60.0)
    got, _ = render(cli, root, tmp_path, uid, width=ds.Columns)
    assert np.abs(got[..., 0] - expected).mean() < 1.5


def test_voi_lut_sequence_is_applied(root, tmp_path, cli):
    ds = pydicom.dcmread(get_testdata_file("vlut_04.dcm", download=False))
    values = apply_modality_lut(ds.pixel_array, ds)
    bits = int(ds.VOILUTSequence[0].LUTDescriptor[2])
    expected = apply_voi(values.astype(np.int64), ds).astype(np.float64) * 255 / (2**bits - 1)
    uid = series_of(root, "vlut", "vlut_04.dcm")
    got, _ = render(cli, root, tmp_path, uid, width=ds.Columns)
    assert np.abs(got[..., 0] - expected).mean() < 1.5


@pytest.mark.parametrize(
    "broken",
    ["MR_truncated.dcm", "emri_small_jpeg_2k_lossless_too_short.dcm", "JPEG-lossy.dcm"],
)
def test_broken_file_gives_a_warning_and_a_black_tile(root, tmp_path, cli, broken):
    uid = series_of(root, f"broken-{broken}", "CT_small.dcm", broken)
    out = tmp_path / "m.jpg"
    run = cli(uid, out, "--root", root, "--tile-width", 2, "--tile-height", 1, "-q", 100)
    assert run.code == 0, run.err
    assert "warning: skipping" in run.err and "left black" in run.err
    img = np.asarray(Image.open(out).convert("L"), np.float32)
    halves = img[:, : img.shape[1] // 2], img[:, img.shape[1] // 2 :]
    assert sorted(h.max() for h in halves)[0] == 0  # one tile entirely black
    assert max(h.mean() for h in halves) > 20  # the other one is a picture


def test_undecodable_alone_fails_naming_the_transfer_syntax(root, tmp_path, cli):
    uid = series_of(root, "lossy-only", "JPEG-lossy.dcm")
    out = tmp_path / "m.webp"
    run = cli(uid, out, "--root", root)
    assert run.code == 1 and not out.exists()
    assert "no image could be decoded" in run.err and "JPEG Extended (Process 2 and 4)" in run.err


def test_a_series_mixing_codecs_renders_in_order(root, tmp_path, cli):
    syntaxes = [
        None,
        RLELossless,
        JPEG2000Lossless,
        DeflatedExplicitVRLittleEndian,
        None,
        RLELossless,
    ]
    specs = []
    for k, syntax in enumerate(syntaxes):
        spec = axial(k, pixels=marker_pixels(k, (32, 32)))
        if syntax is not None:
            spec.transfer_syntax = syntax
        specs.append(spec)
    uid = make_series(root, "mixed", specs)
    out = tmp_path / "m.jpg"
    run = cli(uid, out, "--root", root, "--tile-width", 3, "--tile-height", 2, "-q", 100)
    assert run.code == 0, run.err
    assert read_markers(out, 3, 2) == [0, 1, 2, 3, 4, 5]
    syntaxes_on_disk = {
        str(pydicom.dcmread(p).file_meta.TransferSyntaxUID.name) for p in (root / uid).iterdir()
    }
    assert len(syntaxes_on_disk) == 4
