import pytest

from dicom_mosaic.selection import spread


@pytest.mark.parametrize(("count", "tiles"), [(305, 36), (37, 36), (100, 4), (2, 2), (1000, 64)])
def test_spread_keeps_first_and_last_without_duplicates(count, tiles):
    picked = spread(count, tiles)
    assert len(picked) == tiles
    assert picked[0] == 0 and picked[-1] == count - 1
    assert picked == sorted(set(picked))


def test_spread_is_even():
    assert spread(10, 4) == [0, 3, 6, 9]
    assert spread(305, 5) == [0, 76, 152, 228, 304]


def test_fewer_items_than_tiles_uses_each_once():
    assert spread(3, 36) == [0, 1, 2]
    assert spread(0, 4) == []


def test_single_tile_shows_the_middle():
    assert spread(9, 1) == [4]
