"""Whole-slide microscopy: the smallest level (or thumbnail), assembled, never the label."""

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, VLWholeSlideMicroscopyImageStorage, generate_uid

from support.rangeserver import RangeServer
from synth import series_uid

TILE = 64
RED, GREEN, BLUE, WHITE, YELLOW, MAGENTA = (
    (255, 0, 0),
    (0, 255, 0),
    (0, 0, 255),
    (255, 255, 255),
    (255, 255, 0),
    (255, 0, 255),
)


def quadrants(rows, cols, colours):
    img = np.zeros((rows, cols, 3), np.uint8)
    h, w = rows // 2, cols // 2
    img[:h, :w], img[:h, w:], img[h:, :w], img[h:, w:] = colours
    return img


def slide_level(image: np.ndarray, flavor: str) -> Dataset:
    rows, cols = image.shape[:2]
    tile = TILE if flavor == "VOLUME" else max(rows, cols)
    tiles_y, tiles_x = -(-rows // tile), -(-cols // tile)
    padded = np.zeros((tiles_y * tile, tiles_x * tile, 3), np.uint8)
    padded[:rows, :cols] = image
    frames = [
        padded[y * tile : (y + 1) * tile, x * tile : (x + 1) * tile]
        for y in range(tiles_y)
        for x in range(tiles_x)
    ]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = VLWholeSlideMicroscopyImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = uid = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = VLWholeSlideMicroscopyImageStorage, uid, "SM"
    ds.ImageType = ["ORIGINAL" if flavor == "VOLUME" else "DERIVED", "PRIMARY", flavor, "NONE"]
    ds.DimensionOrganizationType = "TILED_FULL"
    ds.TotalPixelMatrixRows, ds.TotalPixelMatrixColumns = rows, cols
    ds.Rows = ds.Columns = tile
    ds.NumberOfFrames = len(frames)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = np.stack(frames).tobytes()
    return ds


def write_slide(root, name, levels: dict[str, Dataset]) -> str:
    uid = series_uid(name)
    (root / uid).mkdir()
    for filename, ds in levels.items():
        ds.save_as(root / uid / filename, enforce_file_format=True)
    return uid


def colour_at(img: np.ndarray, fy: float, fx: float):
    return tuple(int(v) for v in img[int(img.shape[0] * fy), int(img.shape[1] * fx)])


def assert_quadrants(path, colours):
    img = np.asarray(Image.open(path).convert("RGB"))
    for (fy, fx), colour in zip(
        ((0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75)), colours, strict=True
    ):
        assert colour_at(img, fy, fx) == pytest.approx(colour, abs=12)
    return img


def test_slide_uses_the_smallest_level_and_never_reads_base_or_label(root, tmp_path, cli):
    uid = write_slide(
        root,
        "slide",
        {
            "base.dcm": slide_level(quadrants(512, 768, (WHITE, WHITE, WHITE, WHITE)), "VOLUME"),
            "level1.dcm": slide_level(quadrants(128, 192, (RED, GREEN, BLUE, WHITE)), "VOLUME"),
            "label.dcm": slide_level(np.full((60, 120, 3), MAGENTA, np.uint8), "LABEL"),
        },
    )
    out = tmp_path / "slide.jpg"
    with RangeServer(root) as server:
        run = cli(uid, out, "--root", server.url, "-q", 100)
    assert run.code == 0, run.err
    img = assert_quadrants(out, (RED, GREEN, BLUE, WHITE))
    assert img.shape[:2] == (512, 768)  # 6 x 128 px wide, at the slide's 2:3 aspect
    by_file = {}
    for _, path, rng in server.log.requests:
        by_file.setdefault(path.rsplit("/", 1)[-1], []).append(rng)
    base_size = (root / uid / "base.dcm").stat().st_size
    for name in ("base.dcm", "label.dcm"):
        assert len(by_file[name]) == 1 and by_file[name][0].startswith("bytes=0-")  # header only
    assert int(by_file["base.dcm"][0].split("-")[1]) < base_size / 20


def test_thumbnail_is_preferred(root, tmp_path, cli):
    uid = write_slide(
        root,
        "slide-thumb",
        {
            "level1.dcm": slide_level(quadrants(128, 192, (RED, GREEN, BLUE, WHITE)), "VOLUME"),
            "thumb.dcm": slide_level(quadrants(96, 144, (YELLOW, BLUE, GREEN, RED)), "THUMBNAIL"),
        },
    )
    out = tmp_path / "slide.jpg"
    assert cli(uid, out, "--root", root, "-q", 100).code == 0
    assert_quadrants(out, (YELLOW, BLUE, GREEN, RED))


def test_slide_with_only_a_label_is_not_shown(root, tmp_path, cli):
    uid = write_slide(
        root,
        "slide-label",
        {
            "label.dcm": slide_level(np.full((60, 120, 3), MAGENTA, np.uint8), "LABEL"),
        },
    )
    out = tmp_path / "slide.webp"
    run = cli(uid, out, "--root", root)
    assert run.code == 1 and "only label/overview images" in run.err and not out.exists()
