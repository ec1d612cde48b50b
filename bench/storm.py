"""Escalation storm: thousands of open cases whose acknowledge deadlines fall
within two minutes, nobody acknowledging, under Telegram's limits as the fake
enforces them strictly (1 message a second in every chat, groups included;
20 a minute in a group; 30 a second overall; sliding windows, edits counted).

    .venv/bin/python -m bench.storm                      # 2,000 within 120 s
    .venv/bin/python -m bench.storm --cases 300 --spread 30 --watch 240

Each escalation tells the cleaning supervisor (a card), the cleaning lead (its
card edited, or a line where it has none), the front desk (a line) and the
resident. The cases are written straight into the store (bench.timers'
`add_cases`), so the lead's group has no cards of them before the storm. The
residents' quiet hours are moved to one minute at noon (12:00-12:01 in the
estate's time zone), so that a run at night tells them as a run in the day
would: their 2,000 messages share Telegram's 30 a second with the groups'.

Figures, for each staff group: the share of the escalated cases it shows (a
message naming the case's reference: a card, a line, a digest) 5 minutes
after the last deadline, and the time from the last deadline until it shows
every one; 429 answers (overall and after the first minute); the residents
told; what is still waiting in the outbox at the end (`--watch` seconds after
the first deadline, 10 minutes by default).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    daytime_estate,
    estate_desk,
    heading,
    percentiles,
    polling,
    record,
    runs_option,
    spread,
)
from bench.timers import FIRST_RESIDENT, LEAD, RESIDENTS, add_cases, deliveries, escalations
from bot.storage import SqliteStore
from playground.fake_telegram import Chat, FakeTelegramServer, World
from playground.fake_telegram.process import seed_estate

REF = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")
GROUPS = ("cleaning_lead", "cleaning_supervisor", "front_desk")
SHOWN_BY = 300.0  # seconds after the last deadline: the target


def shown(chat: Chat) -> set[str]:
    """The case references the group's messages show now (after edits)."""
    found: set[str] = set()
    for message in chat.messages.values():
        found.update(REF.findall(message.get("text") or ""))
    return found


async def waiting(db: Path) -> list[tuple[str, int]]:
    async with SqliteStore(db) as store, store.reading() as tx:
        rows = await tx._all(
            "SELECT coalesce(json_extract(body, '$.role'), 'a person'), count(*) "
            "FROM outbox WHERE done_at IS NULL GROUP BY 1"
        )
    return [(str(r[0]), int(r[1])) for r in rows]


def title(args: argparse.Namespace) -> str:
    return (
        f"Storm: {args.cases} escalations within {args.spread:g} s, "
        "Telegram's limits enforced strictly"
    )


async def measure(args: argparse.Namespace) -> dict[str, float]:
    """One run: its figures appended to the results; returns them by name."""
    world = World()
    world.strict_limits()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "storm.sqlite3"
        _, groups = await seed_estate(db, world, RESIDENTS + 1, FIRST_RESIDENT)
        watched = {g.title.removesuffix(" group"): g for g in groups if g.title}
        watched = {role: watched[role] for role in GROUPS}
        async with FakeTelegramServer(world) as server:
            start = datetime.now(UTC) + timedelta(seconds=LEAD)
            step = args.spread / max(args.cases - 1, 1)
            due = [start + timedelta(seconds=i * step) for i in range(args.cases)]
            deadlines = await add_cases(db, args.cases, due, start)
            async with SqliteStore(db) as store, store.reading() as tx:
                rows = await tx._all("SELECT id, ref FROM cases")
            refs = {int(r[0]): str(r[1]) for r in rows}
            process = estate_desk(server, db, folder, estate_config=daytime_estate(folder))
            process.start()
            await polling(server, process)
            last = max(deadlines.values())
            end = start + timedelta(seconds=args.watch)
            everyone: dict[str, float] = {}
            at_target: dict[str, float] = {}
            while datetime.now(UTC) < end:
                await asyncio.sleep(2)
                now = datetime.now(UTC)
                since_last = (now - last).total_seconds()
                fired = await escalations(db)
                wanted = {refs[c] for c in fired}
                for role, chat in watched.items():
                    seen = shown(chat) & wanted
                    if since_last <= SHOWN_BY:
                        at_target[role] = len(seen) / max(len(deadlines), 1)
                    complete = len(fired) >= len(deadlines) and len(seen) >= len(deadlines)
                    if role not in everyone and complete:
                        everyone[role] = since_last
                left = await waiting(db)
                if args.timeline:
                    groups_now = ", ".join(
                        f"{role} {len(shown(chat) & wanted)} in {len(chat.messages)} messages"
                        for role, chat in watched.items()
                    )
                    waiting_now = ", ".join(f"{who} {n}" for who, n in left)
                    print(
                        f"{since_last:+6.0f} s: fired {len(fired)}; {groups_now}; "
                        f"waiting {waiting_now or 'nothing'}",
                        flush=True,
                    )
                if since_last > 0 and len(everyone) == len(watched) and not left:
                    break
            elapsed_after_first = (datetime.now(UTC) - start).total_seconds()
            fired = await escalations(db)
            delivered = await deliveries(db, start - timedelta(seconds=1))
            left = await waiting(db)
            process.stop()
    told = [(delivered[c] - d).total_seconds() for c, d in deadlines.items() if c in delivered]
    tp = percentiles(told)
    missed = sum(1 for c in deadlines if c not in fired)
    doubled = sum(1 for c in deadlines if len(fired.get(c, [])) > 1)
    lines = [heading(title(args)), ""]
    if args.shared:
        lines.append(f"- {args.shared}")
    for role in watched:
        share = at_target.get(role, 0.0)
        all_in = everyone.get(role)
        when = (
            f"every one {all_in:.0f} s after the last deadline"
            if all_in is not None
            else f"not every one by the end ({elapsed_after_first:.0f} s after the first deadline)"
        )
        lines.append(
            f"- {role} group: {share:.1%} of the escalated cases shown "
            f"{SHOWN_BY:.0f} s after the last deadline; {when} (target: all within 300 s)"
        )
    lines += [
        f"- 429 answers: {world.flood.refused}, {world.flood.refused_after(60)} after the "
        "first minute (target 0)"
        + "".join(
            f"; at {at:.0f} s, {method} in {chat} ({limit} limit)"
            for at, method, chat, limit in world.flood.refusals[:5]
        ),
        f"- residents told: {len(told)} of {len(deadlines)}, p50 {tp['p50']:.1f} s, "
        f"p99 {tp['p99']:.1f} s, max {tp['max']:.1f} s after their deadline"
        + (" (a run in the residents' quiet hours holds their notices)" if not told else ""),
        f"- escalations missed {missed}, doubled {doubled} (target 0, 0)",
        f"- outbox still waiting at the end ({elapsed_after_first:.0f} s after the first "
        "deadline): " + (", ".join(f"{who} {n}" for who, n in left) or "nothing"),
    ]
    record(lines)
    figures = {
        f"{role} group, every case shown, s after the last deadline (target <= 300)": everyone.get(
            role, math.nan
        )
        for role in watched
    }
    return figures | {
        "429 answers": float(world.flood.refused),
        "429 answers after the first minute (target 0)": float(world.flood.refused_after(60)),
        "residents told, p99 s after their deadline": tp["p99"],
        "outbox empty, s after the first deadline (target <= 600)": (
            elapsed_after_first if not left else math.nan
        ),
        "still waiting at the end": float(sum(n for _, n in left)),
        "escalations missed or doubled": float(missed + doubled),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--spread", type=float, default=120, help="seconds")
    parser.add_argument("--watch", type=float, default=600, help="seconds after the first deadline")
    parser.add_argument(
        "--shared", default="", help="a line on the machine's load, printed with the figures"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="print what each group shows every 2 s"
    )
    runs_option(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    runs = [await measure(args) for _ in range(args.runs)]
    if len(runs) > 1:
        record(spread(title(args), runs))


if __name__ == "__main__":
    asyncio.run(main())
