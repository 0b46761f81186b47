"""Pick the platform adapter(s) named in the settings: one module per platform, no switch."""

from __future__ import annotations

import importlib

from tanggap.config import Settings
from tanggap.platforms.interface import Platform
from tanggap.platforms.registry import PlatformRegistry


def platform_from_settings(settings: Settings) -> Platform:
    """``platform = "demo"`` loads ``tanggap.platforms.demo.from_settings``; several names
    ("demo,matrix") give a registry that routes each target to the adapter serving it."""
    adapters = [_module(name).from_settings(settings) for name in settings.platform_names]
    if not adapters:
        raise ValueError("TANGGAP_PLATFORM names no platform")
    return adapters[0] if len(adapters) == 1 else PlatformRegistry(adapters)


def configured_platform(settings: Settings) -> Platform | None:
    """The platform(s), or None where nothing can be enforced yet: the default demo platform
    without its token (decisions then wait for ``tanggap enforce``)."""
    if settings.platform_names == ("demo",) and not settings.platform_token:
        return None
    return platform_from_settings(settings)


def served_networks(settings: Settings) -> frozenset[str]:
    """The target networks the configured platforms serve (known without credentials)."""
    return frozenset(network for name in settings.platform_names
                     for network in getattr(_module(name), "NETWORKS", frozenset()))


def _module(name: str):
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a platform adapter name")
    try:
        return importlib.import_module(f"tanggap.platforms.{name}")
    except ModuleNotFoundError:
        raise ValueError(f"no platform adapter module tanggap.platforms.{name}") from None
