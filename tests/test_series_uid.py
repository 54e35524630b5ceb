import pytest

from dicom_mosaic.errors import UsageError
from dicom_mosaic.series_uid import parse_series_uid

FULL = "38902e14-b11f-4548-910e-771ee757dc82"


@pytest.mark.parametrize(
    "text",
    [FULL, FULL.replace("-", ""), FULL.upper(), f"  {FULL}  ", FULL.replace("-", "").upper()],
)
def test_full_uid_spellings_normalise_to_idc_folder_name(text):
    sel = parse_series_uid(text)
    assert not sel.wildcard
    assert sel.key_prefix == FULL
    assert sel.matches(FULL + "/") and sel.matches(FULL.replace("-", ""))
    assert not sel.matches("38902e14-b11f-4548-910e-771ee757dc83")


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("389*", "389"),
        ("38902e14*", "38902e14-"),
        ("38902E14B1*", "38902e14-b1"),
        ("38902e14-b1*", "38902e14-b1"),
        ("38902e14b11f4548*", "38902e14-b11f-4548-"),
    ],
)
def test_wildcard_becomes_hyphenated_key_prefix(text, prefix):
    sel = parse_series_uid(text)
    assert sel.wildcard
    assert sel.key_prefix == prefix
    assert sel.matches(FULL)
    assert not sel.matches("48902e14-b11f-4548-910e-771ee757dc82")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("*", "at least one hex digit"),
        ("38902e14", "8 hex digits, expected 32"),
        ("1.2.840.113619.2.55", "hex digits"),
        ("38902e14-b11f-4548-910e-771ee757dc8z", "hex digits"),
        (FULL + "00", "more than 32"),
        ("3*8", "only allowed at the end"),
        ("38902e14b11f-4548-910e-771ee757dc82", "8-4-4-4-12"),
    ],
)
def test_invalid_uids_are_rejected_with_a_reason(text, fragment):
    with pytest.raises(UsageError, match="invalid series UID") as info:
        parse_series_uid(text)
    assert fragment in str(info.value)
