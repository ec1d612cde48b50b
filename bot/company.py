"""A company of estates in one deployment: the company file (COMPANY_CONFIG).

    [company]
    name = { zh-Hant = "…", zh-Hans = "…", en = "Harbour Property Management" }
    staff = [111111, 222222]          # Telegram user ids holding the company role
    [[estates]]
    id = "shatin"                      # a-z, 0-9 and _, starting with a letter; unique
    config = "estates/shatin.toml"     # the estate file, relative to this file
    token_env = "BOT_TOKEN_SHATIN"     # the environment variable holding its bot token

Each estate is its own bot (its own token, its own estate file) and its own
PostgreSQL schema (`estate_<id>`). Tokens are secrets: only ever read from the
environment or `.env`, never from this file. A mistake stops start-up naming
the field (`estates[1].token_env`), as the estate file's do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.estate import ConfigError, load_estate, read_toml
from bot.settings import Settings
from bot.storage import Store, store_at
from bot.storage.company import CompanyStore
from handlers.context import CompanyEstate
from workflow.casebook_service import Casebook
from workflow.estate import EstateConfig, LocalName, PerLanguage

EstateId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
Variable = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompanySection(_Strict):
    name: LocalName
    staff: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list)


class EstateEntry(_Strict):
    id: EstateId
    config: Path
    token_env: Variable


class CompanyFile(_Strict):
    company: CompanySection
    estates: list[EstateEntry] = Field(min_length=1)

    @field_validator("estates")
    @classmethod
    def _unique_ids(cls, estates: list[EstateEntry]) -> list[EstateEntry]:
        seen: set[str] = set()
        for estate in estates:
            if estate.id in seen:
                raise ValueError(f"estate id {estate.id!r} is given twice")
            seen.add(estate.id)
        return estates


@dataclass(frozen=True)
class Site:
    """One estate of the company, ready to serve: its id, its estate file read,
    its token, and the PostgreSQL schema its tables live in."""

    id: str
    config_path: Path
    estate: EstateConfig
    token: SecretStr

    @property
    def schema(self) -> str:
        return schema_of(self.id)


@dataclass(frozen=True)
class Company:
    path: Path
    name: PerLanguage
    staff: tuple[int, ...]
    sites: tuple[Site, ...]

    def site(self, estate_id: str) -> Site:
        return next(s for s in self.sites if s.id == estate_id)


def schema_of(estate_id: str) -> str:
    """The PostgreSQL schema an estate's tables live in."""
    return f"estate_{estate_id}"


def environment(env_file: Path = Path(".env")) -> dict[str, str]:
    """The variables a token may come from: `.env` (as Settings reads it), the
    process's environment winning."""
    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    values.update(os.environ)
    return values


def load_company(
    settings: Settings, environ: Mapping[str, str] | None = None, *, serving: bool = True
) -> Company:
    """The company file named by COMPANY_CONFIG, every estate file in it and each
    estate's token; ConfigError names what is wrong. `serving` adds the checks
    that matter to running the bots (PostgreSQL, polling)."""
    path = settings.company_config
    if path is None:
        raise ValueError("COMPANY_CONFIG is not set")
    if settings.postgres_url is None:
        raise ConfigError(
            f"COMPANY_CONFIG ({path}) serves several estates, which needs PostgreSQL: set "
            "DATABASE_URL=postgresql://… (a SQLite deployment serves one estate: unset "
            "COMPANY_CONFIG and use ESTATE_CONFIG and BOT_TOKEN)"
        )
    if serving and settings.webhook_url is not None:
        raise ConfigError(
            f"COMPANY_CONFIG ({path}) with WEBHOOK_URL: several estates are served by "
            "polling only; unset WEBHOOK_URL"
        )
    raw = read_toml(path, "COMPANY_CONFIG")
    try:
        parsed = CompanyFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    env = environment() if environ is None else environ
    sites: list[Site] = []
    owners: dict[str, int] = {}
    for n, entry in enumerate(parsed.estates):
        token = env.get(entry.token_env, "").strip()
        if not token:
            raise ConfigError(
                f"{path}: estates[{n}].token_env: {entry.token_env} is not set (put estate "
                f"{entry.id!r}'s bot token in the environment or .env)"
            )
        if token in owners:
            raise ConfigError(
                f"{path}: estates[{n}].token_env: {entry.token_env} holds the same bot token "
                f"as estates[{owners[token]}].token_env ({parsed.estates[owners[token]].token_env}"
                "): each estate needs its own bot"
            )
        owners[token] = n
        config = path.parent / entry.config
        try:
            estate = load_estate(config)
        except ConfigError as exc:
            raise ConfigError(f"{path}: estates[{n}].config: {exc}") from None
        sites.append(Site(entry.id, config, estate, SecretStr(token)))
    return Company(path, parsed.company.name, tuple(parsed.company.staff), tuple(sites))


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ""
        for part in error["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else part)
        reason = error["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {where or '(top level)'}: {reason}")
    return "\n".join(lines)


def site_settings(settings: Settings, site: Site) -> Settings:
    """The settings one estate's bot runs with: the deployment's, with this
    estate's token and estate file."""
    return settings.model_copy(update={"bot_token": site.token, "estate_config": site.config_path})


class CompanyPort:
    """The company role's view (handlers.context.CompanyDesk) for the bots of one
    process: the role read from the company's table, every estate's casebook."""

    def __init__(self, company: Company, store: CompanyStore) -> None:
        self.company = company
        self.store = store
        self._estates: list[CompanyEstate] = []

    @property
    def name(self) -> PerLanguage:
        return self.company.name

    async def is_staff(self, user_id: int) -> bool:
        return await self.store.is_staff(user_id)

    def estates(self) -> Sequence[CompanyEstate]:
        return tuple(self._estates)

    def add(self, site: Site, store: Store) -> None:
        self._estates.append(CompanyEstate(site.id, site.estate, Casebook(store)))


# Of PostgreSQL's default max_connections of 100, what the estates' pools share;
# the rest for a standby's lease, pg_dump and psql.
CONNECTIONS = 60


def pool_size(settings: Settings, estates: int) -> int:
    """The most connections one estate's store opens: DATABASE_POOL_SIZE, else the
    estates' share of CONNECTIONS, between 2 and 10 (a store's own default)."""
    if settings.database_pool_size is not None:
        return settings.database_pool_size
    return max(2, min(10, CONNECTIONS // max(1, estates)))


def site_store(settings: Settings, site: Site, estates: int = 1) -> Store:
    """An estate's store: its own schema on the deployment's PostgreSQL, its pool
    its share of the server's connections (`estates` in the company)."""
    url = settings.postgres_url
    if url is None:
        raise ConfigError("COMPANY_CONFIG needs DATABASE_URL=postgresql://…")
    return store_at(
        url, schema=site.schema, estate_id=site.id, pool_size=pool_size(settings, estates)
    )
