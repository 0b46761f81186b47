"""One settings object, read from TANGGAP_* environment variables and an optional TOML file."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
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
    # Signs the audit log's checkpoints; kept outside the database. Generated under var/ when
    # not given, like the session secret. Losing it only means new checkpoints from now on.
    audit_key: SecretStr | None = None
    var_dir: Path = Path("var")
    display_timezone: str = "Asia/Jakarta"
    # Public counts: days in this zone; breakdowns under the minimum are folded into "other".
    transparency_timezone: str = "Asia/Jakarta"
    transparency_min_count: int = 5
    # Statements of reasons go to the DSA Transparency Database (or a test double) when set.
    sor_endpoint: str | None = None
    sor_token: SecretStr | None = None  # never printed or logged
    sor_attempts: int = 4
    # `tanggap serve` sends what is not yet delivered this often (seconds), when sor_endpoint is
    # set, for decisions of the last sor_window_days days (`tanggap sor submit --since` for older).
    sor_interval_s: float = 600.0
    sor_window_days: int = 7
    # Where the public portal sends channel owners to appeal (in every statement of reasons).
    appeal_url: str = "http://127.0.0.1:8000/appeal"
    # The daily sentence goes to this channel on the platform, and to Telegram when a token is set.
    publish_channel: str | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_channel: str | None = None
    # The module(s) in tanggap.platforms that talk to the platform(s): "demo", "matrix", or
    # several, comma-separated ("demo,matrix"); each case goes to the one serving its target.
    # In tanggap.toml also a table per platform: [platform.matrix] homeserver_url = ...
    platform: str = "demo"
    platform_url: str = "http://127.0.0.1:8001"
    platform_token: str | None = None
    # Matrix (Synapse): the homeserver's client URL and a server admin's access token.
    matrix_homeserver_url: str | None = None
    matrix_admin_token: SecretStr | None = None  # never printed or logged (repr shows ****)
    enforcement_attempts: int = 4
    enforcement_backoff_s: float = 0.5
    enforcement_timeout_s: float = 10.0
    # Intake by e-mail: replies go out through this relay, from this address.
    intake_address: str = "abuse@tanggap.invalid"
    # Sender authentication: the authserv-ids of our own receiving servers (comma-separated,
    # e.g. "mx1.example.org,mx2.example.org"). Only their Authentication-Results headers count;
    # without one, DKIM is verified here (DNS look-ups), and unproven claims are quarantined.
    intake_trusted_authserv_ids: str = ""
    intake_verify_dkim: bool = True  # off: no DNS look-ups (air-gapped); then only trusted headers count
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
    # Side effects (enforcement, …) run in workers fed by the transactional outbox: `worker` (the
    # default: `tanggap serve` starts them in-process unless told not to) or `inline` (inside the
    # request, as before the bus; kept for tests that want the effect at once).
    effects: str = "worker"
    bus: str = "embedded"  # embedded (the outbox table is the queue) | nats (JetStream)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_prefix: str = "tanggap"
    bus_max_attempts: int = 8  # then the message goes to the dead letters
    bus_lease_s: float = 60.0  # a message taken by a worker that died is delivered again after this
    # Session cookies are marked Secure unless the server listens on loopback only (None: decide
    # from `tanggap serve --host`); set true behind an HTTPS proxy that forwards to loopback.
    secure_cookies: bool | None = None
    # Host headers the web app answers to (a `Host: evil.example` request gets 400, not a redirect).
    # Comma-separated in the environment; "*.example.org" matches subdomains.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    max_body_bytes: int = 2 * 1024 * 1024  # any request body over this: 413 before parsing
    # Lets a Prometheus scraper read /metrics without a staff account (Authorization: Bearer …).
    metrics_token: SecretStr | None = None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    login_max_failures: int = 5  # per account within login_window_minutes, then 429
    login_max_failures_per_address: int = 20
    login_window_minutes: int = 15
    appeals_per_address_per_hour: int = 5
    sla_hours: dict[str, dict[str, float]] = Field(default_factory=lambda: DEFAULT_SLA_HOURS)
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    # Machine translation of posts for moderators (a LibreTranslate-style POST /translate).
    # Off by default: no post text leaves the server unless an admin sets this URL.
    translation_url: str | None = None
    translation_timeout_s: float = 10.0
    category_aliases: dict[str, str] = Field(default_factory=lambda: DEFAULT_CATEGORY_ALIASES)

    @model_validator(mode="before")
    @classmethod
    def _platform_tables(cls, values: Any) -> Any:
        """``[platform.matrix]`` / ``[platform.demo]`` tables in tanggap.toml: the names
        configured, and each table's keys as ``<name>_<key>`` settings (the environment wins)."""
        if not isinstance(values, dict) or not isinstance(values.get("platform"), dict):
            return values
        values = dict(values)
        tables = values.pop("platform")
        values["platform"] = ",".join(tables)
        for name, table in tables.items():
            prefix = "platform" if name == "demo" else name  # the demo's are platform_url/_token
            for key, value in (table or {}).items():
                values.setdefault(f"{prefix}_{key}", value)
        return values

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.platform.split(",") if name.strip())

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

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
        return self._generated_secret("secret_key")

    def audit_key_value(self) -> bytes:
        """The key that signs audit checkpoints: configured, or generated once into var/."""
        if self.audit_key:
            return self.audit_key.get_secret_value().encode()
        return self._generated_secret("audit_key").encode()

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.var_dir / "audit" / "checkpoints.jsonl"

    def _generated_secret(self, name: str) -> str:
        import secrets

        path = self.var_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes starting together must not write two different keys.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
