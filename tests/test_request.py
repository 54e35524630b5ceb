import pytest

from dicom_mosaic.errors import UsageError
from dicom_mosaic.request import MosaicRequest

UID = "38902e14-b11f-4548-910e-771ee757dc82"


def req(**kw):
    return MosaicRequest.from_mapping({"series": UID, **kw})


def test_defaults_follow_the_man_page():
    r = req()
    assert (r.root, r.columns, r.rows, r.image_width, r.quality, r.format) == (
        "s3://idc-open-data",
        6,
        6,
        128,
        25,
        "webp",
    )
    assert r.range == (0.0, 1.0)
    assert r.fixed_window is None and not r.auto_window


def test_tile_height_defaults_to_tile_width_and_strings_are_parsed():
    r = req(tile_width="8", image_width="64", quality="50", start="0.2", end=".8")
    assert (r.columns, r.rows, r.image_width, r.quality, r.range) == (8, 8, 64, 50, (0.2, 0.8))


def test_position_makes_a_single_tile():
    r = req(position=0.5, slice_offset=-2)
    assert (r.columns, r.rows, r.slice_offset) == (1, 1, -2)


@pytest.mark.parametrize(
    ("preset", "window"),
    [
        ("lung", (1500, -500)),
        ("bone", (2000, 300)),
        ("brain", (80, 40)),
        ("abdomen", (350, 50)),
        ("mediastinum", (350, 50)),
        ("liver", (150, 30)),
        ("soft_tissue", (400, 50)),
    ],
)
def test_presets_match_the_man_page(preset, window):
    assert req(contrast_preset=preset).fixed_window == window


def test_window_flags_override_a_preset_and_work_alone():
    assert req(window_width=350, window_center=50).fixed_window == (350, 50)
    assert req(contrast_preset="lung", window_width=1000).fixed_window == (1000, -500)
    assert req(contrast_preset="auto").auto_window


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tile_width": 0}, "tile_width must be between 1 and 32, got 0"),
        ({"tile_width": "six"}, "tile_width must be an integer, got 'six'"),
        ({"tile_height": 33}, "tile_height must be between 1 and 32"),
        ({"image_width": 4}, "image_width must be between 8 and 2048"),
        ({"quality": 101}, "quality must be between 0 and 100"),
        ({"quality": True}, "quality must be an integer"),
        ({"start": 1.5}, "start must be between 0.0 and 1.0, got 1.5"),
        ({"end": "-0.1"}, "end must be between 0.0 and 1.0"),
        ({"position": "nan"}, "position must be a finite number"),
        ({"window_width": 0, "window_center": 1}, "window_width must be greater than 0"),
        ({"start": 0.8, "end": 0.2}, "start (0.8) must not be greater than end (0.2)"),
        ({"position": 0.5, "start": 0.1}, "position cannot be combined with start"),
        (
            {"position": 0.5, "tile_width": 3, "tile_height": 2},
            "position cannot be combined with tile_width, tile_height",
        ),
        ({"slice_offset": 1}, "slice_offset is only valid together with position"),
        ({"contrast_preset": "kidney"}, "unknown contrast_preset 'kidney'; choose one of: auto"),
        ({"contrast_preset": "auto", "window_width": 10}, "auto cannot be combined"),
        ({"window_width": 10}, "window_width and window_center must be given together"),
        ({"format": "png"}, "format must be webp or jpeg"),
        ({"tile_width": 32, "image_width": 1024}, "mosaic would be 32768 px wide"),
        ({"tile_widht": 3}, "unknown parameter(s): tile_widht"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_field(fields, message):
    with pytest.raises(UsageError) as info:
        req(**fields)
    assert message in str(info.value)


def test_missing_series_is_a_usage_error():
    with pytest.raises(UsageError, match="missing series UID"):
        MosaicRequest.from_mapping({})


def test_round_trip_through_mapping():
    r = req(tile_width=4, contrast_preset="lung", position=None)
    assert MosaicRequest.from_mapping(r.to_mapping()) == r
