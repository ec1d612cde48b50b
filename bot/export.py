"""`python -m bot export --from 2026-11-01 --to 2026-11-30 --out cases.xlsx`:
the case register from the command line, for an audit or a spreadsheet.
Residents' phone numbers are left out unless `--with-phones` asks for them."""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings
from bot.storage import store_at
from views.i18n import translator_for
from views.reports import period_for, register_for
from workflow.casebook_service import Casebook
from workflow.clock import SystemClock
from workflow.estate import EstateConfig

if TYPE_CHECKING:
    from bot.company import Company


def _refuse(reason: str) -> int:
    print(f"estate-desk: export: {reason}", file=sys.stderr)
    return 2


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
    if (start is None) != (end is None):
        given, missing = ("--from", "--to") if end is None else ("--to", "--from")
        return _refuse(f"{given} needs {missing} too (both dates, like 2026-11-01)")
    period = period_for(f"{start} {end}" if start and end else "month", now, estate.zone)
    if period is None:
        for flag, value in (("--from", start), ("--to", end)):
            try:
                date.fromisoformat(value or "")
            except ValueError:
                return _refuse(f"{flag} {value!r} is not a date like 2026-11-01")
        return _refuse(f"--from {start} is after --to {end}")
    path = settings.sqlite_path
    if path is not None and not path.is_file():
        return _refuse(f"{path}: no database there (DATABASE_PATH; export never creates one)")
    t = translator_for(estate, estate.default_language)
    async with store_at(settings.database) as store:
        data = await register_for(store, period, t, with_phones=with_phones, as_of=now)
        async with store.transaction() as tx:
            count = len(await tx.cases_created_between(period.start, period.end))
    await asyncio.to_thread(Path(out).write_bytes, data)
    phones = "with" if with_phones else "without"
    print(f"{count} cases ({period.label}) written to {out}, {phones} phone numbers")
    return 0


async def export_company(
    settings: Settings,
    company: Company,
    start: str | None,
    end: str | None,
    out: str,
    *,
    with_phones: bool = False,
) -> int:
    """`python -m bot export --company`: every estate's register in one .xlsx, an
    estate column first; the period as the first estate's calendar has it."""
    from bot.company import site_store
    from views.company import EstateRegister, company_register

    now = SystemClock().now()
    first = company.sites[0].estate
    if (start is None) != (end is None):
        given, missing = ("--from", "--to") if end is None else ("--to", "--from")
        return _refuse(f"{given} needs {missing} too (both dates, like 2026-11-01)")
    period = period_for(f"{start} {end}" if start and end else "month", now, first.zone)
    if period is None:
        return _refuse(f"--from {start} and --to {end} are not a period like 2026-11-01 2026-11-30")
    t = translator_for(first, first.default_language)
    parts, count = [], 0
    for site in company.sites:
        async with site_store(settings, site, 1) as store:
            cases, events, people = await Casebook(store).register_rows(period.start, period.end)
        own = translator_for(site.estate, t.language)
        parts.append(EstateRegister(site.id, own, cases, events, people))
        count += len(cases)
    data = company_register(parts, t, with_phones, now)
    await asyncio.to_thread(Path(out).write_bytes, data)
    phones = "with" if with_phones else "without"
    print(
        f"{count} cases of {len(company.sites)} estates ({period.label}) written to {out}, "
        f"{phones} phone numbers"
    )
    return 0
