"""Pick the platform adapter named in the settings: one module per platform, no switch."""

from __future__ import annotations

import importlib

from tanggap.config import Settings
from tanggap.platforms.interface import Platform


def platform_from_settings(settings: Settings) -> Platform:
    """`settings.platform = "demo"` loads `tanggap.platforms.demo.from_settings`."""
    try:
        module = importlib.import_module(f"tanggap.platforms.{settings.platform}")
    except ModuleNotFoundError:
        raise ValueError(f"no platform adapter module tanggap.platforms.{settings.platform}") from None
    return module.from_settings(settings)
