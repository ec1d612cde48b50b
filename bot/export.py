"""`python -m bot export --from 2026-11-01 --to 2026-11-30 --out cases.xlsx`:
the case register from the command line, for an audit or a spreadsheet.
Residents' phone numbers are left out unless `--with-phones` asks for them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.settings import Settings
from bot.storage import SqliteStore
from views.i18n import translator_for
from views.reports import period_for, register_for
from workflow.clock import SystemClock
from workflow.estate import EstateConfig


async def export_register(
    settings: Settings,
    estate: EstateConfig,
    start: str | None,
    end: str | None,
    out: str,
    *,
    with_phones: bool = False,
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
    t = translator_for(estate, estate.default_language)
    async with SqliteStore(settings.database_path) as store:
        data = await register_for(store, period, t, with_phones=with_phones)
        async with store.transaction() as tx:
            count = len(await tx.cases_created_between(period.start, period.end))
    await asyncio.to_thread(Path(out).write_bytes, data)
    phones = "with" if with_phones else "without"
    print(f"{count} cases ({period.label}) written to {out}, {phones} phone numbers")
    return 0
