"""Every bad input: exit 1, one clear line on stderr, no traceback, no output file left."""

import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RTStructureSetStorage, generate_uid

from synth import axial, make_series, marker_pixels, read_markers, series_uid

UID = "38902e14-b11f-4548-910e-771ee757dc82"


@pytest.fixture
def series(root):
    return make_series(root, "five", [axial(k) for k in range(5)])


def assert_fails(run, out: Path, *fragments: str):
    assert run.code == 1
    assert "Traceback" not in run.err
    assert run.err.strip().splitlines()[-1].startswith("dicom-mosaic: error: ")
    for fragment in fragments:
        assert fragment in run.err
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--tile-width", "x"), ("--tile-width: invalid int value: 'x'",)),
        (("--tile-width", "0"), ("tile_width must be between 1 and 32, got 0",)),
        (("--image-width", "100000"), ("image_width must be between 8 and 2048",)),
        (("--start", "1.5"), ("start must be between 0.0 and 1.0",)),
        (("--start", "0.9", "--end", "0.1"), ("start (0.9) must not be greater than end (0.1)",)),
        (("--position", "-0.5"), ("position must be between 0.0 and 1.0",)),
        (
            ("--position", "0.5", "--tile-width", "3"),
            ("position cannot be combined with tile_width",),
        ),
        (("--slice-offset", "1"), ("slice_offset is only valid together with position",)),
        (("--contrast-preset", "kidney"), ("invalid choice: 'kidney'",)),
        (("--window-width", "400"), ("window_width and window_center must be given together",)),
        (("-q", "101"), ("quality must be between 0 and 100",)),
        (("--bogus",), ("unrecognized arguments: --bogus",)),
    ],
)
def test_bad_options(root, tmp_path, cli, series, args, fragments):
    out = tmp_path / "out.webp"
    assert_fails(cli(series, out, "--root", root, *args), out, *fragments)


def test_bad_extension(root, tmp_path, cli, series):
    out = tmp_path / "out.png"
    assert_fails(cli(series, out, "--root", root), out, "OUTPUT must end in .webp, .jpg or .jpeg")


def test_output_folder_missing(root, tmp_path, cli, series):
    out = tmp_path / "nowhere" / "out.webp"
    run = cli(series, out, "--root", root)
    assert run.code == 1 and "folder" in run.err and "does not exist" in run.err


def test_invalid_uid(root, tmp_path, cli):
    out = tmp_path / "out.webp"
    assert_fails(cli("1.2.840.10008.1", out, "--root", root), out, "invalid series UID")


def test_series_not_found(root, tmp_path, cli, series):
    out = tmp_path / "out.webp"
    assert_fails(cli(UID, out, "--root", root), out, f"series {UID} not found under {root}")


def test_prefix_matching_no_series(root, tmp_path, cli, series):
    out = tmp_path / "out.webp"
    assert_fails(cli("ffff*", out, "--root", root), out, "no series matches ffff*")


def test_prefix_matching_several_series_lists_them(root, tmp_path, cli):
    (root / "abcd0000-0000-4000-8000-000000000001").mkdir()
    (root / "abcd0000-0000-4000-8000-000000000002").mkdir()
    out = tmp_path / "out.webp"
    assert_fails(
        cli("abcd*", out, "--root", root),
        out,
        "matches 2 series: "
        "abcd0000-0000-4000-8000-000000000001, abcd0000-0000-4000-8000-000000000002",
    )


def test_prefix_matching_one_series_renders_it(root, tmp_path, cli, series):
    out = tmp_path / "out.jpg"
    run = cli(
        series.replace("-", "")[:10].upper() + "*",
        out,
        "--root",
        root,
        "--tile-width",
        5,
        "--tile-height",
        1,
        "-q",
        100,
    )
    assert run.code == 0, run.err
    assert read_markers(out, 5, 1) == [0, 1, 2, 3, 4]


def test_missing_root(tmp_path, cli):
    out = tmp_path / "out.webp"
    assert_fails(cli(UID, out, "--root", tmp_path / "absent"), out, "does not exist")


def test_series_without_images(root, tmp_path, cli):
    uid = series_uid("rtstruct")
    (root / uid).mkdir()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = RTStructureSetStorage
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "RTSTRUCT"
    ds.save_as(root / uid / "rs.dcm", enforce_file_format=True)
    out = tmp_path / "out.webp"
    assert_fails(
        cli(uid, out, "--root", root),
        out,
        f"series {uid} has no displayable images (modality RTSTRUCT)",
    )


def corrupt_pixels(path: Path):
    ds = pydicom.dcmread(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - len(ds.PixelData) // 2])  # truncated pixel data


def test_unreadable_slice_is_skipped_with_a_warning(root, tmp_path, cli):
    specs = [axial(k, pixels=marker_pixels(k, (64, 64))) for k in range(4)]
    uid = make_series(root, "broken", specs)
    victim = sorted((root / uid).iterdir())[0]
    victim_k = int(round((pydicom.dcmread(victim).pixel_array[0, 0] - 1024) / 10 - 20) / 4)
    corrupt_pixels(victim)
    out = tmp_path / "m.jpg"
    run = cli(uid, out, "--root", root, "--tile-width", 2, "-q", 100)
    assert run.code == 0
    assert "warning: skipping" in run.err and victim.name in run.err and "left black" in run.err
    expected = [None if k == victim_k else k for k in range(4)]
    assert read_markers(out, 2, 2) == expected


def test_no_decodable_slice_fails(root, tmp_path, cli):
    uid = make_series(
        root, "allbroken", [axial(k, pixels=marker_pixels(k, (64, 64))) for k in range(2)]
    )
    for path in (root / uid).iterdir():
        corrupt_pixels(path)
    out = tmp_path / "m.webp"
    assert_fails(cli(uid, out, "--root", root), out, "no image could be decoded")


def test_installed_command_exits_1_without_traceback(root, tmp_path, series):
    exe = Path(sys.executable).with_name("dicom-mosaic")
    out = tmp_path / "x.webp"
    proc = subprocess.run(
        [str(exe), UID, str(out), "--root", str(root)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"dicom-mosaic: error: series {UID} not found under {root}"
    ok = subprocess.run(
        [str(exe), series, str(out), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and out.stat().st_size > 0 and ok.stderr == ""


def test_help_lists_every_option_of_the_man_page(cli):
    run = cli("--help")
    assert run.code == 0
    for flag in (
        "--root",
        "--tile-width",
        "--tile-height",
        "--image-width",
        "--contrast-preset",
        "--window-width",
        "--window-center",
        "--start",
        "--end",
        "--position",
        "--slice-offset",
        "-q LEVEL, --quality LEVEL",
        "-v, --verbose",
    ):
        assert flag in run.out
    for preset in (
        "auto",
        "lung",
        "bone",
        "brain",
        "abdomen",
        "mediastinum",
        "liver",
        "soft_tissue",
    ):
        assert preset in run.out
