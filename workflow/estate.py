"""The estate's structure (buildings, deadlines, shifts, routing), validated by pydantic.

A mistake in the file stops the bot before it answers anyone, with the
field's dotted path and the reason, rather than surfacing later as a case
routed to nobody.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from workflow.durations import Duration
from workflow.errors import InvalidCommand
from workflow.hours import HoursConfig
from workflow.model import Category, DeadlineKind, Severity
from workflow.policy import Deadlines, Policy
from workflow.roles import Role
from workflow.routing import Route, RoutingTable

Language = Literal["zh-Hant", "zh-Hans", "en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class PerLanguage(_Strict):
    """One name in each language: `{ zh-Hant = "...", zh-Hans = "...", en = "manager" }`.
    Every language is given and none is empty, so no reader meets a blank."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    zh_hant: Word = Field(alias="zh-Hant")
    zh_hans: Word = Field(alias="zh-Hans")
    en: Word

    @classmethod
    def everywhere(cls, name: str) -> PerLanguage:
        """The same name in every language."""
        return cls.model_validate(_every_language(name))

    def in_language(self, language: Language) -> str:
        return {"zh-Hant": self.zh_hant, "zh-Hans": self.zh_hans, "en": self.en}[language]


def _every_language(value: Any) -> Any:
    """A plain string serves every language."""
    if isinstance(value, str):
        return {"zh-Hant": value, "zh-Hans": value, "en": value}
    return value


LocalName = Annotated[PerLanguage, BeforeValidator(_every_language)]
"""A place's name: a plain string for every language, or a table of one per language."""


class NamesConfig(_Strict):
    """The office's own words for its roles and case categories, e.g.
    `[names.roles.manager] zh-Hant = "..."`; what is not named here keeps the
    catalogue's word."""

    roles: dict[Role, PerLanguage] = Field(default_factory=dict)
    categories: dict[Category, PerLanguage] = Field(default_factory=dict)


class Building(_Strict):
    id: str = Field(min_length=1, max_length=16)
    name: LocalName | None = None  # unnamed: the catalogue's "Block A" in each language
    floors: int = Field(default=0, ge=0, le=200)
    flats: list[str] = Field(default_factory=list)
    units: list[str] = Field(default_factory=list)

    @field_validator("name", mode="before")
    @classmethod
    def _blank_is_unnamed(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _has_units(self) -> Building:
        if not self.units and not (self.floors and self.flats):
            raise ValueError("give either `units` or both `floors` and `flats`")
        return self

    def unit_ids(self) -> list[str]:
        """Explicit units, or every floor × flat ("12A")."""
        if self.units:
            return list(self.units)
        return [f"{floor}{flat}" for floor in range(1, self.floors + 1) for flat in self.flats]


class BySeverity(_Strict):
    general: Duration
    major: Duration
    critical: Duration

    def as_map(self) -> dict[Severity, timedelta]:
        return {
            Severity.GENERAL: self.general,
            Severity.MAJOR: self.major,
            Severity.CRITICAL: self.critical,
        }


class OnSite(_Strict):
    urgent_repair: Duration = timedelta(minutes=30)
    normal_repair: Duration = timedelta(hours=24)
    assistance: Duration = timedelta(minutes=15)


class DeadlineOverride(_Strict):
    category: Category
    severity: Severity
    acknowledge: Duration | None = None
    on_site: Duration | None = None
    resolve: Duration | None = None


class DeadlinesConfig(_Strict):
    warn_at: float = Field(default=0.8, gt=0, lt=1)
    manager_reminder: Duration = timedelta(minutes=30)
    repeat_window: Duration = timedelta(days=7)
    feedback_reminder: Duration = timedelta(hours=24)
    feedback_close: Duration = timedelta(hours=72)
    acknowledge: BySeverity = BySeverity(
        general=timedelta(minutes=30), major=timedelta(minutes=15), critical=timedelta(minutes=5)
    )
    resolve: BySeverity = BySeverity(
        general=timedelta(hours=24), major=timedelta(hours=72), critical=timedelta(hours=24)
    )
    on_site: OnSite = OnSite()
    overrides: list[DeadlineOverride] = Field(default_factory=list)

    @model_validator(mode="after")
    def _positive(self) -> DeadlinesConfig:
        durations = [
            self.manager_reminder,
            self.feedback_reminder,
            self.feedback_close,
            *self.acknowledge.as_map().values(),
            *self.resolve.as_map().values(),
            self.on_site.urgent_repair,
            self.on_site.normal_repair,
            self.on_site.assistance,
        ]
        if any(d <= timedelta(0) for d in durations):
            raise ValueError("every deadline must be longer than zero")
        if self.feedback_reminder >= self.feedback_close:
            raise ValueError("feedback_reminder must come before feedback_close")
        return self


class Shift(_Strict):
    """A duty shift, e.g. day 07:00-19:00; `end` before `start` runs overnight.
    `id` may be left out when `name` is a plain string: it is then the name."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: LocalName
    start: time
    end: time
    guards: list[int] = Field(default_factory=list)  # Telegram user ids

    @model_validator(mode="before")
    @classmethod
    def _id_from_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" not in data and isinstance(data.get("name"), str):
            return {**data, "id": data["name"]}
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> Shift:
        if self.start == self.end:
            raise ValueError("a shift must start and end at different times")
        return self


class Checkpoint(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: LocalName
    building: str = ""
    floor: str = ""


class PatrolConfig(_Strict):
    every: Duration = timedelta(minutes=60)
    grace: Duration = timedelta(minutes=15)

    @model_validator(mode="after")
    def _positive(self) -> PatrolConfig:
        if self.every <= timedelta(0) or self.grace < timedelta(0):
            raise ValueError("every must be positive and grace not negative")
        return self


class ReportsConfig(_Strict):
    """When the weekly summary goes to the manager's group."""

    summary_weekday: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    summary_time: time = time(9, 0)

    @property
    def weekday(self) -> int:
        return ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].index(
            self.summary_weekday
        )


class RoutingOverride(_Strict):
    category: Category
    severity: Severity
    handler: Role
    informed: list[Role] = Field(default_factory=lambda: [Role.FRONT_DESK])


class FilingConfig(_Strict):
    """How many new cases one resident may file in a window (0: no limit)."""

    limit: int = Field(default=5, ge=0)
    window: Duration = timedelta(hours=1)


class EstateConfig(_Strict):
    name: LocalName
    timezone: str = "Asia/Hong_Kong"
    default_language: Language = "zh-Hant"
    require_approval: bool = True
    buildings: list[Building] = Field(min_length=1)
    deadlines: DeadlinesConfig = DeadlinesConfig()
    filing: FilingConfig = FilingConfig()
    routing: list[RoutingOverride] = Field(default_factory=list)
    shifts: list[Shift] = Field(default_factory=list)
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    patrol: PatrolConfig = PatrolConfig()
    reports: ReportsConfig = ReportsConfig()
    names: NamesConfig = NamesConfig()
    hours: HoursConfig = HoursConfig()  # service hours, closure days, quiet hours

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. 'Asia/Hong_Kong')") from None
        return value

    @field_validator("buildings")
    @classmethod
    def _unique_buildings(cls, value: list[Building]) -> list[Building]:
        ids = [b.id for b in value]
        if len(ids) != len(set(ids)):
            raise ValueError("building ids must be unique")
        return value

    @field_validator("shifts", "checkpoints")
    @classmethod
    def _unique_ids(cls, value: list[Shift] | list[Checkpoint]) -> list[Shift] | list[Checkpoint]:
        ids = [item.id for item in value]
        if len(ids) != len(set(ids)):
            raise ValueError("ids must be unique")
        return value

    @field_validator("routing")
    @classmethod
    def _routing_complete(cls, value: list[RoutingOverride]) -> list[RoutingOverride]:
        try:
            _table(value)
        except InvalidCommand as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def routing_table(self) -> RoutingTable:
        return _table(self.routing)

    def policy(self) -> Policy:
        dl = self.deadlines
        overrides: dict[tuple[Category, Severity], dict[DeadlineKind, timedelta]] = {}
        for o in dl.overrides:
            cell = overrides.setdefault((o.category, o.severity), {})
            for kind in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ON_SITE, DeadlineKind.RESOLVE):
                value = getattr(o, str(kind))
                if value is not None:
                    cell[kind] = value
        return Policy(
            routing=self.routing_table(),
            deadlines=Deadlines(
                acknowledge=dl.acknowledge.as_map(),
                resolve=dl.resolve.as_map(),
                on_site_urgent_repair=dl.on_site.urgent_repair,
                on_site_normal_repair=dl.on_site.normal_repair,
                on_site_assistance=dl.on_site.assistance,
                overrides=overrides,
            ),
            warn_fraction=dl.warn_at,
            manager_reminder=dl.manager_reminder,
            repeat_window=dl.repeat_window,
            filing_limit=self.filing.limit,
            filing_window=self.filing.window,
            feedback_reminder=dl.feedback_reminder,
            feedback_close=dl.feedback_close,
            hours=self.hours.build(self.zone),
        )

    def own_words(self, language: Language) -> dict[str, str]:
        """This estate's words in one language, by catalogue key: its name, its renamed roles
        (`role.manager`) and categories (`category.repair`), and the names of its
        buildings (`building.A`), shifts (`shift.day`) and checkpoints
        (`checkpoint.A-lobby`)."""
        words = {"estate.name": self.name.in_language(language)}
        words |= {f"role.{r}": n.in_language(language) for r, n in self.names.roles.items()}
        words |= {
            f"category.{c}": n.in_language(language) for c, n in self.names.categories.items()
        }
        for prefix, named in (
            ("building", self.buildings),
            ("shift", self.shifts),
            ("checkpoint", self.checkpoints),
        ):
            for item in named:
                if item.name is not None:
                    words[f"{prefix}.{item.id}"] = item.name.in_language(language)
        return words

    def checkpoint(self, checkpoint_id: str) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.id == checkpoint_id), None)

    def building(self, building_id: str) -> Building | None:
        wanted = building_id.strip().upper()
        return next((b for b in self.buildings if b.id.upper() == wanted), None)


def _table(overrides: list[RoutingOverride]) -> RoutingTable:
    return RoutingTable.default().with_overrides(
        (o.category, o.severity, Route(o.handler, tuple(o.informed))) for o in overrides
    )
