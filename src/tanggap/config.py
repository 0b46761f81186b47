"""One settings object, read from TANGGAP_* environment variables and an optional TOML file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
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
    # Intake by e-mail: replies go out through this relay, from this address.
    intake_address: str = "abuse@tanggap.invalid"
    smtp_relay_host: str = "127.0.0.1"
    smtp_relay_port: int = 25
    smtp_relay_username: str | None = None
    smtp_relay_password: str | None = None
    smtp_relay_starttls: bool = False
    # Intake channels. The SMTP listener sits behind the MX (no AUTH): loopback unless told.
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_port: int = 2525
    smtp_max_message_bytes: int = 64 * 1024 * 1024  # larger: 552; the parser's own limit
    imap_host: str | None = None
    imap_port: int | None = None  # None: 993 with SSL, 143 without
    imap_ssl: bool = True
    imap_username: str | None = None
    imap_password: SecretStr | None = None  # never printed or logged (repr shows ****)
    imap_mailbox: str = "INBOX"
    imap_poll_interval_s: float = 60.0  # when the server offers no IDLE
    imap_idle_timeout_s: float = 300.0  # renew IDLE well under the 29 minutes RFC 2177 allows
    imap_batch_size: int = 50
    # Proactive scan: block without a moderator on an exact match in a verified hash bank
    # (then a senior reviews each such decision). Off by default.
    scan_auto_block_verified: bool = False
    scan_auto_block_max_pdq_distance: int = 0
    secure_cookies: bool = False  # True behind HTTPS in production
    sla_hours: dict[str, dict[str, float]] = Field(default_factory=lambda: DEFAULT_SLA_HOURS)
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    # Machine translation of posts for moderators (a LibreTranslate-style POST /translate).
    # Off by default: no post text leaves the server unless an admin sets this URL.
    translation_url: str | None = None
    translation_timeout_s: float = 10.0
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
