"""`python -m bot export --from 2026-11-01 --to 2026-11-30 --out cases.xlsx`:
the case register from the command line, for an audit or a spreadsheet."""

from __future__ import annotations

from pathlib import Path

from bot.estate import EstateConfig
from bot.reports import period_for, register
from bot.settings import Settings
from bot.storage import Person, SqliteStore
from handlers.i18n import Translator, language_for
from workflow.clock import SystemClock


async def export_register(
    settings: Settings, estate: EstateConfig, start: str | None, end: str | None, out: str
) -> int:
    now = SystemClock().now()
    words = f"{start} {end}" if start and end else "month"
    period = period_for(words, now, estate.zone)
    if period is None:
        print(
            "estate-desk: --from and --to take dates like 2026-11-01, the first not after "
            "the second"
        )
        return 2
    async with SqliteStore(settings.database_path) as store, store.transaction() as tx:
        cases = await tx.cases_created_between(period.start, period.end)
        events = [e for c in cases for e in await tx.events_of_case(c.id)]
        people: dict[int, Person] = {}
        for user_id in {c.reporter_id for c in cases} | {e.actor_id for e in events}:
            if user_id is not None and (person := await tx.person(user_id)):
                people[user_id] = person
    t = Translator(language_for(estate.default_language), estate.zone)
    Path(out).write_bytes(register(cases, events, people, t, with_phones=True))
    print(f"{len(cases)} cases ({period.label}) written to {out}")
    return 0
