"""One settings object, read from TANGGAP_* environment variables and an optional TOML file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tanggap.domain.sla import DEFAULT_CATEGORIES, DEFAULT_CATEGORY_ALIASES, DEFAULT_SLA_HOURS, SlaPolicy

DEFAULT_DATABASE_URL = "sqlite:///var/tanggap.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANGGAP_", toml_file="tanggap.toml", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Signs session cookies; generated and kept under var/ when not given (see secret_key_value).
    secret_key: str | None = None
    var_dir: Path = Path("var")
    display_timezone: str = "Asia/Jakarta"
    transparency_timezone: str = "UTC"
    platform: str = "demo"  # the module in tanggap.platforms that talks to it
    platform_url: str = "http://127.0.0.1:8001"
    platform_token: str | None = None
    enforcement_attempts: int = 4
    enforcement_backoff_s: float = 0.5
    enforcement_timeout_s: float = 10.0
    secure_cookies: bool = False  # True behind HTTPS in production
    sla_hours: dict[str, dict[str, float]] = Field(default_factory=lambda: DEFAULT_SLA_HOURS)
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    category_aliases: dict[str, str] = Field(default_factory=lambda: DEFAULT_CATEGORY_ALIASES)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @cached_property
    def sla(self) -> SlaPolicy:
        return SlaPolicy(self.sla_hours, self.categories, self.category_aliases)

    def secret_key_value(self) -> str:
        """The configured key, or one generated once and kept in var/ (never logged)."""
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.var_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
