"""JPEG 2000 and JPEG frames decode at reduced resolution for small tiles, with pydicom's values."""

import io
import shutil

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import pixel_array
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, JPEGBaseline8Bit

from dicom_mosaic import decode
from dicom_mosaic.decode import block_mean
from dicom_mosaic.scaled import scaled_frame
from synth import series_uid

BLOCK = 64  #: each value fills a BLOCK x BLOCK square, so reduced levels keep it exactly


def grey(bits: int, signed: bool) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows = ds.Columns = 4 * BLOCK
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = 8 if bits <= 8 else 16
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits - 1, int(signed)
    return ds


def squares(bits: int, signed: bool) -> np.ndarray:
    """16 values spanning the whole stored range, the extremes included."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return np.linspace(lo, hi, 16).round().astype(np.int64).reshape(4, 4)


@pytest.mark.parametrize(
    ("bits", "signed"),
    [(8, False), (8, True), (10, False), (12, True), (15, False), (16, True), (16, False)],
)
def test_j2k_reduced_level_keeps_stored_values(bits, signed):
    ds = grey(bits, signed)
    values = squares(bits, signed)
    dtype = np.dtype(f"{'i' if signed else 'u'}{ds.BitsAllocated // 8}")
    ds.compress(
        JPEG2000Lossless,
        np.kron(values, np.ones((BLOCK, BLOCK), np.int64)).astype(dtype),
        encoding_plugin="pylibjpeg",
    )
    got = scaled_frame(ds, 0, factor=16)
    # 16x smaller tile: three of the four wavelet levels, a last 2x left to the box filter
    assert got is not None and got.shape == (4 * BLOCK // 8, 4 * BLOCK // 8)
    step = BLOCK // 8
    assert np.array_equal(got[step // 2 :: step, step // 2 :: step], values)


def jpeg_dataset(pixels: np.ndarray, photometric: str) -> Dataset:
    ds = grey(8, False)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.SamplesPerPixel = 1 if pixels.ndim == 2 else 3
    ds.PhotometricInterpretation = photometric
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=95)
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    return ds


@pytest.mark.parametrize("photometric", ["MONOCHROME2", "YBR_FULL_422"])
def test_jpeg_decodes_at_dct_scale_like_pydicom(photometric):
    rng = np.random.default_rng(7)
    values = rng.integers(20, 235, (4, 4, 3), dtype=np.uint8)
    pixels = np.kron(values, np.ones((BLOCK, BLOCK, 1), np.uint8))
    if photometric == "MONOCHROME2":
        pixels = pixels[..., 0]
    ds = jpeg_dataset(pixels, photometric)
    got = scaled_frame(ds, 0, factor=5)
    assert got is not None and got.shape[:2] == (BLOCK, BLOCK)  # libjpeg's 1/4 scale
    reference = pixel_array(ds).astype(np.float32)  # pydicom's full decode, colour to RGB
    if reference.ndim == 2:
        reference = block_mean(reference, 4)
    else:
        reference = np.stack([block_mean(reference[..., c], 4) for c in range(3)], axis=-1)
    got = got.astype(np.float32)
    # inside each square the colour is exact; at its edges subsampled chroma blurs differently
    assert np.abs(got - reference).mean() < 1.5
    centre = BLOCK // 8
    assert (
        np.abs(
            got[centre :: BLOCK // 4, centre :: BLOCK // 4]
            - reference[centre :: BLOCK // 4, centre :: BLOCK // 4]
        ).max()
        <= 3
    )


@pytest.mark.parametrize(
    "filename",
    [
        "J2K_pixelrep_mismatch.dcm",  # header says signed, codestream unsigned
        "US1_J2KR.dcm",  # JPEG 2000 colour
        "JPGExtended.dcm",  # 12-bit JPEG: Pillow's libjpeg is 8-bit
        "CT_small.dcm",  # not compressed: nothing to gain
        "OBXXXX1A_rle.dcm",  # palette indices must not be averaged
    ],
)
def test_what_cannot_be_exact_is_left_to_pydicom(filename):
    ds = pydicom.dcmread(get_testdata_file(filename, download=False))
    assert scaled_frame(ds, 0, factor=8) is None


def test_a_small_tile_of_a_large_j2k_image_never_needs_the_full_decode(
    root, tmp_path, cli, monkeypatch
):
    """RG3_J2KR is 1760x1760; a 96-px tile renders from a reduced level, like the full decode."""
    filename = "RG3_J2KR.dcm"
    ds = pydicom.dcmread(get_testdata_file(filename, download=False))
    full = block_mean(pixel_array(ds).astype(np.float32), 1760 // 96)
    uid = series_uid("j2k-reduced")
    (root / uid).mkdir()
    shutil.copy(get_testdata_file(filename, download=False), root / uid / "rg3.dcm")

    def no_full_decode(*_args, **_kwargs):
        raise AssertionError("full-resolution decode")

    monkeypatch.setattr(decode, "pixel_array", no_full_decode)
    out = tmp_path / "reduced.jpg"
    run = cli(
        uid,
        out,
        "--root",
        root,
        "--position",
        0,
        "--image-width",
        96,
        "-q",
        100,
        "--window-width",
        1024,
        "--window-center",
        512,
    )
    assert run.code == 0, run.err
    got = np.asarray(Image.open(out), np.float32)
    assert got.shape == (96, 96)
    shown = 255 - np.clip(full * 255 / 1024, 0, 255)  # the window above; MONOCHROME1 inverted
    reference = np.asarray(
        Image.fromarray(np.rint(shown).astype(np.uint8)).resize((96, 96), Image.Resampling.LANCZOS),
        np.float32,
    )
    assert np.abs(got - reference).mean() < 3.0
