"""Which slices land in which tile, read back from the image the CLI wrote."""

import numpy as np
import pytest
from PIL import Image

from dicom_mosaic.sample import InstanceSpec
from synth import axial, make_series, marker_pixels, read_markers, shuffled, verbose_summary


@pytest.mark.parametrize("spelling", ["path", "file-url"])
def test_mosaic_spreads_over_the_series_head_first(root, tmp_path, cli, spelling):
    uid = make_series(root, "axial10", shuffled([axial(k) for k in range(10)]))
    out = tmp_path / "m.jpg"
    where = root.as_uri() if spelling == "file-url" else root
    run = cli(uid, out, "--root", where, "--tile-width", 2, "-q", 100)
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 3, 6, 9]
    assert Image.open(out).size == (256, 256)


def test_fewer_slices_than_tiles_leaves_black_tiles(root, tmp_path, cli):
    uid = make_series(root, "three", shuffled([axial(k) for k in range(3)]))
    out = tmp_path / "m.jpg"
    assert cli(uid, out, "--root", root, "--tile-width", 3, "--tile-height", 2, "-q", 100).code == 0
    assert read_markers(out, 3, 2) == [0, 1, 2, None, None, None]


def test_range_selects_within_normalised_z(root, tmp_path, cli):
    uid = make_series(root, "range", shuffled([axial(k) for k in range(11)]))
    out = tmp_path / "m.jpg"
    run = cli(
        uid,
        out,
        "--root",
        root,
        "--tile-width",
        3,
        "--tile-height",
        2,
        "--start",
        0.2,
        "--end",
        0.5,
        "-q",
        100,
    )
    assert run.code == 0, run.err
    # slices 2..5 lie in the range: all four used once, the rest black
    assert read_markers(out, 3, 2) == [2, 3, 4, 5, None, None]


def orient(k, normal_axis):
    """Slice k of a sagittal ('x') or coronal ('y') stack, k = display order."""
    if normal_axis == "x":  # rows along y, columns along z: normal +x; display right->left (+x)
        return InstanceSpec(
            pixels=marker_pixels(k),
            window=(2550, 1275),
            orientation=(0, 1, 0, 0, 0, -1),
            position=(-50.0 + 3 * k, 0, 0),
        )
    # coronal: normal along -y for (1,0,0,0,0,-1); display anterior->posterior (+y)
    return InstanceSpec(
        pixels=marker_pixels(k),
        window=(2550, 1275),
        orientation=(1, 0, 0, 0, 0, -1),
        position=(0, -40.0 + 3 * k, 0),
    )


@pytest.mark.parametrize("axis", ["x", "y"])
def test_sagittal_right_to_left_and_coronal_anterior_to_posterior(root, tmp_path, cli, axis):
    uid = make_series(root, f"orient-{axis}", shuffled([orient(k, axis) for k in range(6)]))
    out = tmp_path / "m.jpg"
    assert cli(uid, out, "--root", root, "--tile-width", 3, "--tile-height", 2, "-q", 100).code == 0
    assert read_markers(out, 3, 2) == [0, 1, 2, 3, 4, 5]


def test_4d_sorts_by_location_then_instance_number(root, tmp_path, cli):
    # 3 locations x 2 times: marker = display index; instance numbers order the times
    specs = []
    for loc in range(3):
        for t in range(2):
            k = loc * 2 + t
            specs.append(axial(loc, pixels=marker_pixels(k), instance_number=10 * t + loc))
    rng_order = [specs[i] for i in (5, 2, 0, 3, 1, 4)]
    uid = make_series(root, "4d", rng_order)
    out = tmp_path / "m.jpg"
    assert cli(uid, out, "--root", root, "--tile-width", 3, "--tile-height", 2, "-q", 100).code == 0
    assert read_markers(out, 3, 2) == [0, 1, 2, 3, 4, 5]


def single(cli, root, tmp_path, uid, *args):
    out = tmp_path / "one.jpg"
    run = cli(uid, out, "--root", root, "-q", 100, *args)
    assert run.code == 0, run.err
    return read_markers(out, 1, 1)[0]


def test_position_maps_to_space_and_offset_is_clamped(root, tmp_path, cli):
    # uneven spacing: spatial middle is not the middle index
    zs = [0, 1, 2, 3, 4, 20]
    specs = [
        InstanceSpec(pixels=marker_pixels(k), window=(2550, 1275), position=(0, 0, -z))
        for k, z in enumerate(zs)
    ]
    uid = make_series(root, "pos", shuffled(specs))
    assert single(cli, root, tmp_path, uid, "--position", 0.0) == 0
    assert single(cli, root, tmp_path, uid, "--position", 1.0) == 5
    assert single(cli, root, tmp_path, uid, "--position", 0.5) == 4  # z=10 nearest is z=4
    assert single(cli, root, tmp_path, uid, "--position", 0.5, "--slice-offset", -2) == 2
    assert single(cli, root, tmp_path, uid, "--position", 1.0, "--slice-offset", 3) == 5
    assert single(cli, root, tmp_path, uid, "--position", 0.0, "--slice-offset", -9) == 0


def test_position_over_time_at_one_location_uses_content_time(root, tmp_path, cli):
    # one location, five time points; times uneven, instance numbers reversed against time
    times = ["100000", "100001", "100002", "100003", "100100"]
    specs = [
        InstanceSpec(
            pixels=marker_pixels(k),
            window=(2550, 1275),
            position=(0, 0, 0),
            instance_number=k + 1,
            times={"ContentTime": t},
        )
        for k, t in enumerate(times)
    ]
    uid = make_series(root, "cine", specs)
    assert single(cli, root, tmp_path, uid, "--position", 0.0) == 0
    assert single(cli, root, tmp_path, uid, "--position", 1.0) == 4
    # middle of 10:00:00..10:01:00 is 10:00:30, nearest is 10:00:03
    assert single(cli, root, tmp_path, uid, "--position", 0.5) == 3


def test_position_without_geometry_uses_the_index_in_instance_number_order(root, tmp_path, cli):
    specs = [
        InstanceSpec(
            pixels=marker_pixels(k),
            window=(2550, 1275),
            position=None,
            orientation=None,
            instance_number=k + 1,
        )
        for k in range(5)
    ]
    uid = make_series(root, "noloc", [specs[i] for i in (3, 0, 4, 2, 1)])
    assert single(cli, root, tmp_path, uid, "--position", 0.5) == 2
    assert single(cli, root, tmp_path, uid, "--position", 0.25) == 1
    assert single(cli, root, tmp_path, uid, "--position", 1.0, "--slice-offset", -1) == 3


def test_header_beyond_20kb_is_read_with_one_continuation(root, tmp_path, cli):
    specs = [
        axial(k, pixels=marker_pixels(k, (64, 64)), private_bytes=40_000 if k == 4 else 0)
        for k in range(8)
    ]
    uid = make_series(root, "bigheader", specs)
    out = tmp_path / "m.jpg"
    run = cli(uid, out, "--root", root, "--tile-width", 4, "--tile-height", 2, "-q", 100, "-v")
    assert run.code == 0, run.err
    assert read_markers(out, 4, 2) == list(range(8))
    stats = verbose_summary(run.err)["stats"]
    assert stats["continuation_reads"] == 1
    # all 8 are shown, so every byte is needed: each is read exactly once, in at most
    # one header read per instance + the continuation + one pixel read per instance
    assert stats["bytes_read"] == sum(p.stat().st_size for p in (root / uid).iterdir())
    assert stats["read_requests"] <= 8 + 1 + 8


def test_tile_height_follows_pixel_spacing(root, tmp_path, cli):
    specs = [
        axial(k, pixels=np.full((20, 40), 1024, np.uint16), pixel_spacing=(1.0, 0.5))
        for k in range(4)
    ]
    uid = make_series(root, "aspect", specs)
    out = tmp_path / "m.webp"
    assert cli(uid, out, "--root", root, "--tile-width", 2, "--image-width", 100).code == 0
    # 20 rows x 1.0 mm high, 40 cols x 0.5 mm wide: square physically
    assert Image.open(out).size == (200, 200)
