"""Deployment settings and secrets, from the environment or `.env`."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    bot_api_url: str = TELEGRAM_API_URL
    bot_file_url: str = TELEGRAM_FILE_URL
    database_path: Path = Path("estate-desk.sqlite3")
    # Where the data lives: a PostgreSQL server (postgresql://user:password@host:5432/db,
    # several instances may share it) or SQLite (sqlite:///path, or a plain path;
    # unset: DATABASE_PATH, the embedded default).
    database_url: str | None = None
    # On PostgreSQL, a second instance started while one serves waits as a standby
    # and takes over when the first one ends (false: it stops at once, exit code 3).
    standby: bool = True
    estate_config: Path = Path("estate.toml")
    # Several estates in one deployment (PostgreSQL only): the company file naming
    # each estate's id, estate file and token variable (docs/deployment.md). Unset:
    # one estate, from ESTATE_CONFIG and BOT_TOKEN.
    company_config: Path | None = None
    # With COMPANY_CONFIG: the most connections each estate's store opens to
    # PostgreSQL (unset: its share of 60 of the server's default 100, at most 10
    # and at least 2 an estate). Estates x this + 3 (the lease, the company's
    # tables) must stay under the server's max_connections.
    database_pool_size: int | None = Field(default=None, ge=1, le=100)
    # How often deadlines are checked: a deadline fires at most this late (bench/timers.py).
    sweep_seconds: float = Field(default=1.0, gt=0, le=30)
    log_level: str = "INFO"
    # Telegram's limit in one chat, groups included (about one message a second).
    chat_messages_per_second: float = Field(default=1.0, gt=0)
    # Telegram's limit for one group; the limiter (delivery/limits.py) waits rather
    # than exceed any of the three.
    group_messages_per_minute: int = Field(default=20, gt=0)
    # Telegram's overall limit for a bot, about 30 messages a second.
    messages_per_second: float = Field(default=30, gt=0)
    # Seconds to wait for Telegram to answer a call (connect, send, read) before
    # treating it as timed out; a timed-out notification is retried.
    telegram_timeout: float = Field(default=5.0, gt=0, le=120)
    # Updates handled side by side (one chat's always in order). bench/burst.py
    # with 50 ms per call to Telegram: 16 -> 122 updates/s, 32 -> 163, 64 -> 186,
    # 128 -> 224 (each update waits on several calls in a row); 64 is the default.
    concurrent_updates: int = Field(default=64, gt=0, le=512)
    # Simulated time, for demos and tests: start at SIM_START and run SIM_SPEED
    # times faster than the wall clock from SIM_EPOCH (unix seconds).
    sim_start: datetime | None = None
    sim_speed: float = Field(default=1.0, gt=0)
    sim_epoch: float | None = None
    # 409 Conflict answers to getUpdates in a row (another process polls with this
    # token) before the bot stops, exit code 3, rather than fight it for updates.
    conflicts_before_exit: int = Field(default=5, ge=1, le=100)
    # Telegram unreachable at start-up: getMe is retried, the waits doubling from
    # the first to the longest (seconds), one WARNING line an attempt.
    reach_retry_first: float = Field(default=1.0, gt=0, le=60)
    reach_retry_longest: float = Field(default=60.0, gt=0, le=3600)
    # The bot's own daily backup: into BACKUP_DIR (unset: none), the newest
    # BACKUP_KEEP kept, taken at BACKUP_AT, the estate's local time.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=1000)
    backup_at: time = time(3, 30)
    # Webhook mode (instead of polling) when WEBHOOK_URL is set: the public HTTPS
    # address Telegram posts updates to (a reverse proxy in front forwards it to
    # WEBHOOK_LISTEN:WEBHOOK_PORT/WEBHOOK_PATH); WEBHOOK_SECRET is required with
    # it, and an update without that secret is refused.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_listen: str = "0.0.0.0"  # inside a container, behind the proxy
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "telegram"
    playground_port: int = Field(default=8080, ge=0, le=65535)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator(
        "backup_dir", "webhook_secret", "company_config", "database_pool_size", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _blank_url_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_with_the_url(cls, value: SecretStr | None, info: ValidationInfo) -> object:
        if value is not None and not SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("1 to 256 characters, only A-Z, a-z, 0-9, _ and -")
        if value is None and info.data.get("webhook_url"):
            raise ValueError(
                "required with WEBHOOK_URL: Telegram sends it with every update and the bot "
                "refuses updates without it"
            )
        return value

    @field_validator("webhook_path")
    @classmethod
    def _no_slashes_around(cls, value: str) -> str:
        return value.strip("/")

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return None
        value = value.strip()
        if value.startswith(("postgresql://", "postgres://")):
            parts = urlsplit(value)
            if not parts.hostname and "host=" not in parts.query:
                raise ValueError("a postgresql:// URL names its server: postgresql://user@host/db")
            if not parts.path.strip("/"):
                raise ValueError("a postgresql:// URL names its database: postgresql://…/estate")
            return value
        if value.startswith("sqlite:///"):
            return value
        if "://" in value:
            scheme = value.split("://", 1)[0]
            raise ValueError(
                f"{scheme}:// is not a database estate-desk knows: postgresql://… or "
                "sqlite:///path (or a plain path to the SQLite file)"
            )
        return value

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL server's URL, or None on SQLite."""
        url = self.database_url
        return url if url is not None and "://" in url and url.startswith("postgres") else None

    @property
    def database(self) -> str | Path:
        """What `bot.storage.store_at` opens: the PostgreSQL URL or the SQLite file."""
        return self.postgres_url or self.sqlite_path or self.database_path

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None on PostgreSQL."""
        url = self.database_url
        if url is None:
            return self.database_path
        if self.postgres_url is not None:
            return None
        return Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value
