"""Contrast presets from the man page: name -> (window width, window center) in HU."""

from __future__ import annotations

PRESETS: dict[str, tuple[float, float]] = {
    "lung": (1500.0, -500.0),
    "bone": (2000.0, 300.0),
    "brain": (80.0, 40.0),
    "abdomen": (350.0, 50.0),
    "mediastinum": (350.0, 50.0),
    "liver": (150.0, 30.0),
    "soft_tissue": (400.0, 50.0),
}

#: ``auto`` is not a fixed window: it is computed from the pixels of the selected tiles.
PRESET_NAMES: tuple[str, ...] = ("auto", *PRESETS)
