"""Configuring platforms: TANGGAP_PLATFORM=matrix and two Matrix settings, [platform.matrix] in
tanggap.toml, several platforms at once routed by target."""

from __future__ import annotations

import pytest

from tanggap.config import Settings
from tanggap.domain.model import Scope
from tanggap.domain.targets import parse_target
from tanggap.platforms.demo import DemoPlatform
from tanggap.platforms.interface import Capability, PlatformError
from tanggap.platforms.loader import configured_platform, platform_from_settings, served_networks
from tanggap.platforms.matrix import MatrixPlatform
from tanggap.platforms.registry import PlatformRegistry, capabilities_for


def test_three_environment_variables_configure_matrix(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TANGGAP_PLATFORM", "matrix")
    monkeypatch.setenv("TANGGAP_MATRIX_HOMESERVER_URL", "https://matrix.example.org/")
    monkeypatch.setenv("TANGGAP_MATRIX_ADMIN_TOKEN", "syt_rahasia_sekali")
    settings = Settings()
    platform = configured_platform(settings)
    assert isinstance(platform, MatrixPlatform) and platform.base_url == "https://matrix.example.org"
    assert "syt_rahasia_sekali" not in repr(platform) + repr(settings) + str(settings.model_dump())
    assert served_networks(settings) == {"matrix"}


def test_a_platform_matrix_table_in_tanggap_toml(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tanggap.toml").write_text(
        '[platform.matrix]\nhomeserver_url = "http://127.0.0.1:8008"\nadmin_token = "syt_dari_berkas"\n'
        '[platform.demo]\nurl = "http://127.0.0.1:8001"\ntoken = "demo-token"\n')
    settings = Settings()
    assert settings.platform_names == ("matrix", "demo")
    assert settings.matrix_admin_token.get_secret_value() == "syt_dari_berkas"
    registry = platform_from_settings(settings)
    assert isinstance(registry, PlatformRegistry)
    room, channel = parse_target("#a:example.org"), parse_target("t.me/kabar_daulah")
    assert isinstance(registry.for_target(room), MatrixPlatform)
    assert isinstance(registry.for_target(channel), DemoPlatform)
    assert Capability.BLOCK_IN_COUNTRY not in capabilities_for(registry, room)
    assert Capability.BLOCK_IN_COUNTRY in capabilities_for(registry, channel)
    registry.close()


def test_the_environment_wins_over_the_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tanggap.toml").write_text('[platform.matrix]\nhomeserver_url = "http://file"\n')
    monkeypatch.setenv("TANGGAP_MATRIX_HOMESERVER_URL", "http://env")
    assert Settings().matrix_homeserver_url == "http://env"


def test_matrix_without_its_token_is_refused_plainly(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings(platform="matrix", matrix_homeserver_url="http://127.0.0.1:8008")
    with pytest.raises(ValueError, match="TANGGAP_MATRIX_ADMIN_TOKEN"):
        configured_platform(settings)
    with pytest.raises(ValueError, match="no platform adapter"):
        platform_from_settings(Settings(platform="telegrm"))


def test_the_default_demo_platform_without_a_token_waits(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert configured_platform(Settings()) is None
    assert served_networks(Settings()) == {"telegram"}


def test_a_target_no_platform_serves_is_refused_for_good():
    registry = PlatformRegistry([DemoPlatform("http://127.0.0.1:9", "t")])
    with pytest.raises(PlatformError) as refused:
        registry.block(parse_target("#a:example.org"), Scope(), "k")
    assert not refused.value.transient and "no platform for Matrix targets" in str(refused.value)
    registry.close()


def test_several_platforms_route_owner_notices_and_posts_by_target(demo_world, demo_platform):
    """Statements of reasons and the daily transparency post reach the adapter serving the target."""
    registry = PlatformRegistry([MatrixPlatform("http://127.0.0.1:9", "t", timeout=1), demo_platform])
    channel = demo_world.public_channel("propaganda").target
    notice = registry.notify_owner(channel, "Kanal Anda diblokir.", "sor:registry-route")
    message = registry.post_message(channel, "Hari ini: 3 kanal diblokir.", "transparency:registry-route")
    assert notice.reference and message.reference
    assert demo_world.actions_with_key("sor:registry-route")
    assert demo_world.actions_with_key("transparency:registry-route")
