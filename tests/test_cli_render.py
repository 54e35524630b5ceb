"""Pixel values after windowing, and real files from pydicom's test data."""

import shutil

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

from dicom_mosaic.sample import InstanceSpec
from synth import make_series, series_uid

QUADRANTS_HU = (-1000, 0, 40, 1000)


def quadrant_slice(window=None):
    hu = np.zeros((32, 32), np.int32)
    hu[:16, :16], hu[:16, 16:], hu[16:, :16], hu[16:, 16:] = QUADRANTS_HU
    return InstanceSpec(pixels=(hu + 1024).astype(np.uint16), window=window)


def man_page_window(hu, width, center):
    return np.rint(np.clip((np.asarray(hu, float) - (center - width / 2)) * 255 / width, 0, 255))


def quadrant_values(path):
    img = np.asarray(Image.open(path).convert("L"), float)
    h, w = img.shape
    return [
        img[y, x]
        for y, x in (
            (h // 4, w // 4),
            (h // 4, 3 * w // 4),
            (3 * h // 4, w // 4),
            (3 * h // 4, 3 * w // 4),
        )
    ]


def render_one(cli, root, tmp_path, uid, *args):
    out = tmp_path / "one.jpg"
    run = cli(uid, out, "--root", root, "--position", 0.5, "-q", 100, *args)
    assert run.code == 0, run.err
    return out


@pytest.mark.parametrize(
    ("args", "window"),
    [
        (("--contrast-preset", "lung"), (1500, -500)),
        (("--contrast-preset", "bone"), (2000, 300)),
        (("--contrast-preset", "brain"), (80, 40)),
        (("--window-width", "350", "--window-center", "50"), (350, 50)),
        (("--contrast-preset", "lung", "--window-center", "0"), (1500, 0)),
    ],
)
def test_flags_window_with_the_man_page_formula(root, tmp_path, cli, args, window):
    uid = make_series(root, "quad", [quadrant_slice(window=(80, 40))])
    out = render_one(cli, root, tmp_path, uid, "--image-width", 32, *args)
    expected = man_page_window(QUADRANTS_HU, *window)
    assert quadrant_values(out) == pytest.approx(expected, abs=2)


def test_file_window_is_used_when_no_flag_given(root, tmp_path, cli):
    uid = make_series(root, "quad-file", [quadrant_slice(window=(400, 40))])
    out = render_one(cli, root, tmp_path, uid, "--image-width", 32)
    assert quadrant_values(out) == pytest.approx(man_page_window(QUADRANTS_HU, 400, 40), abs=2)


def test_auto_window_is_pooled_so_tiles_keep_their_relative_brightness(root, tmp_path, cli):
    ramp = np.tile(np.linspace(0, 100, 32), (32, 1))
    specs = [
        InstanceSpec(
            pixels=(ramp + offset + 1024).astype(np.uint16), window=None, position=(0, 0, -i)
        )
        for i, offset in enumerate((0, 100))
    ]
    uid = make_series(root, "auto", specs)
    out = tmp_path / "m.jpg"
    run = cli(
        uid,
        out,
        "--root",
        root,
        "--tile-width",
        2,
        "--tile-height",
        1,
        "--image-width",
        32,
        "-q",
        100,
        "--contrast-preset",
        "auto",
    )
    assert run.code == 0, run.err
    img = np.asarray(Image.open(out).convert("L"), float)
    dark, bright = img[:, :32], img[:, 32:]
    # one window over 0..200 HU: the first slice occupies the lower half of the grey range
    assert dark.mean() < 70 and bright.mean() > 185
    assert dark[:, 0].mean() < 10 and bright[:, -1].mean() > 245


def test_auto_is_the_fallback_without_file_window(root, tmp_path, cli):
    ramp = np.tile(np.linspace(-500, 500, 32), (32, 1))
    uid = make_series(
        root, "nowin", [InstanceSpec(pixels=(ramp + 1024).astype(np.uint16), window=None)]
    )
    img = np.asarray(
        Image.open(render_one(cli, root, tmp_path, uid, "--image-width", 32)).convert("L"), float
    )
    # 2nd..98th percentile stretched over 0..255: both ends clip, the middle is mid-grey
    assert img[:, :1].mean() < 3 and img[:, -1:].mean() > 252
    assert abs(img[:, 15:17].mean() - 128) < 12


def real_file_series(root, name, filename):
    uid = series_uid(name)
    (root / uid).mkdir()
    shutil.copy(get_testdata_file(filename, download=False), root / uid / "a.dcm")
    return uid


def reference(filename, window=None):
    ds = pydicom.dcmread(get_testdata_file(filename, download=False))
    values = apply_modality_lut(ds.pixel_array, ds).astype(float)
    if window is None:
        if "WindowWidth" in ds:
            ww, wc = ds.WindowWidth, ds.WindowCenter
            window = (
                float(ww[0] if ds["WindowWidth"].VM > 1 else ww),
                float(wc[0] if ds["WindowCenter"].VM > 1 else wc),
            )
        else:
            lo, hi = np.percentile(values, (2, 98))
            window = (max(hi - lo, 1), (lo + hi) / 2)
    out = man_page_window(values, *window)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        out = 255 - out
    return ds, out


@pytest.mark.parametrize(
    ("filename", "args", "window"),
    [
        ("CT_small.dcm", ("--contrast-preset", "soft_tissue"), (400, 50)),
        ("CT_small.dcm", (), None),
        ("MR_small.dcm", (), None),
        ("RG1_UNCR.dcm", (), None),  # MONOCHROME1: inverted after windowing
    ],
)
def test_real_files_render_like_pydicom_reference(root, tmp_path, cli, filename, args, window):
    ds, expected = reference(filename, window)
    uid = real_file_series(root, filename.split(".")[0].lower(), filename)
    factor = max(1, ds.Columns // 512)  # big radiographs: compare at a reduced size
    out = render_one(cli, root, tmp_path, uid, "--image-width", ds.Columns // factor, *args)
    got = np.asarray(Image.open(out).convert("L"), float)
    if factor > 1:
        expected = np.asarray(
            Image.fromarray(expected.astype(np.uint8)).resize(
                got.shape[::-1], Image.Resampling.LANCZOS, reducing_gap=3.0
            ),
            float,
        )
    assert got.shape == expected.shape
    assert np.abs(got - expected).mean() < 2.0
