"""Bot API calls one filing costs, per method, in the resident's chat and in
the staff groups: the bot as deployed (`python -m bot`) against the fake, one
resident at a time, each filing left to settle before the next.

    .venv/bin/python -m bench.calls
    .venv/bin/python -m bench.calls --filings 5

Two conversations: a cleaning problem (menu, "My flat", the description,
Done, Confirm: 5 updates) and an urgent repair (one more: "Urgent"). Every
call to the fake is counted by method and by the chat it names; the figures
are per filing, averaged over `--filings` residents.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import estate_desk, heading, polling, record
from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.api import BotApi, Params
from playground.fake_telegram.process import file_in_english, seed_estate

FIRST = 60_000
SETTLE = 3.0  # seconds after the confirmation for the staff's cards and lines
# Methods Telegram's send limits count (messages and edits).
COUNTED = ("send", "edit", "copy", "forward")


def counting(calls: Counter[tuple[str, str]]) -> Callable[..., Awaitable[Any]]:
    """BotApi.call, counting (method, "resident" | "staff" | "-") first."""
    original = BotApi.call

    async def call(self: BotApi, method: str, params: Params) -> Any:
        try:
            chat = params.integer("chat_id")
        except Exception:
            chat = None
        if method == "answerCallbackQuery":
            side = "resident"  # every press in these conversations is the resident's
        else:
            side = "-" if chat is None else ("resident" if chat > 0 else "staff")
        calls[(method, side)] += 1
        return await original(self, method, params)

    return call


async def measure(filings: int, menu: str, text: str, urgent: bool) -> Counter[tuple[str, str]]:
    world = World()
    calls: Counter[tuple[str, str]] = Counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "calls.sqlite3"
        residents, _groups = await seed_estate(db, world, filings, FIRST)
        async with FakeTelegramServer(world) as server:
            process = estate_desk(server, db, folder)
            process.start()
            try:
                await polling(server, process)
                await asyncio.sleep(SETTLE)  # its start-up calls are not the filing's
                original = BotApi.call
                BotApi.call = counting(calls)  # type: ignore[method-assign,assignment]
                try:
                    for resident in residents:
                        await file_in_english(resident, menu, text, urgent=urgent)
                        await asyncio.sleep(SETTLE)
                finally:
                    BotApi.call = original  # type: ignore[method-assign]
            finally:
                process.stop()
    calls.pop(("getUpdates", "-"), None)
    return calls


def table(name: str, calls: Counter[tuple[str, str]], filings: int) -> list[str]:
    lines = [f"{name}:", "", "| method | resident's chat | staff groups |", "|---|---|---|"]
    methods = sorted({m for m, _ in calls})
    totals = {"resident": 0.0, "staff": 0.0}
    for method in methods:
        mine, staff = calls[(method, "resident")] / filings, calls[(method, "staff")] / filings
        lines.append(f"| {method} | {mine:g} | {staff:g} |")
        if method.startswith(COUNTED):
            totals["resident"] += mine
            totals["staff"] += staff
    lines.append(
        f"| **counted by the send limits** | **{totals['resident']:g}** | **{totals['staff']:g}** |"
    )
    return [*lines, ""]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    cleaning = await measure(args.filings, "🧹 Cleaning problem", "Rubbish in the corridor", False)
    repair = await measure(args.filings, "🔧 Report a repair", "The kitchen tap leaks", True)
    record(
        [
            heading(f"Calls per filing, {args.filings} filings each, one at a time"),
            "",
            *table("A cleaning problem (5 updates)", cleaning, args.filings),
            *table("An urgent repair (6 updates)", repair, args.filings),
        ]
    )


if __name__ == "__main__":
    asyncio.run(main())
