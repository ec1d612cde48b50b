"""`python -m bot export --from 2026-11-01 --to 2026-11-30 --out cases.xlsx`:
the case register from the command line, for an audit or a spreadsheet.
Residents' phone numbers are left out unless `--with-phones` asks for them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import Settings
from bot.storage import store_at
from handlers.context import CompanyEstate
from handlers.reports import company_workbook
from views.i18n import translator_for
from views.reports import Period, period_for, register_for
from workflow.casebook_service import Casebook
from workflow.clock import SystemClock
from workflow.estate import EstateConfig

if TYPE_CHECKING:
    from bot.company import Company


def _period(start: str | None, end: str | None, now: datetime, zone: ZoneInfo) -> Period | str:
    """`--from` and `--to` (both or neither: this month), or why they are not a period."""
    if (start is None) != (end is None):
        given, missing = ("--from", "--to") if end is None else ("--to", "--from")
        return f"{given} needs {missing} too (both dates, like 2026-11-01)"
    period = period_for(f"{start} {end}" if start and end else "month", now, zone)
    if period is not None:
        return period
    for flag, value in (("--from", start), ("--to", end)):
        try:
            date.fromisoformat(value or "")
        except ValueError:
            return f"{flag} {value!r} is not a date like 2026-11-01"
    return f"--from {start} is after --to {end}"


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
    period = _period(start, end, now, estate.zone)
    if isinstance(period, str):
        return _refuse(period)
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

    now = SystemClock().now()
    first = company.sites[0].estate
    period = _period(start, end, now, first.zone)
    if isinstance(period, str):
        return _refuse(period)
    t = translator_for(first, first.default_language)
    async with contextlib.AsyncExitStack() as stores:
        estates = [
            CompanyEstate(
                site.id,
                site.estate,
                Casebook(await stores.enter_async_context(site_store(settings, site, 1))),
            )
            for site in company.sites
        ]
        data, count = await company_workbook(estates, period, t, with_phones, now)
    await asyncio.to_thread(Path(out).write_bytes, data)
    phones = "with" if with_phones else "without"
    print(
        f"{count} cases of {len(company.sites)} estates ({period.label}) written to {out}, "
        f"{phones} phone numbers"
    )
    return 0
