"""What the benchmarks share: the machine's description, percentiles, the
results file, and the two bots under test started in their own processes."""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from playground.fake_telegram import FakeTelegramServer
from playground.fake_telegram.process import ESTATE, ROOT, BotProcess, bot_environment

RESULTS = ROOT / "bench" / "RESULTS.md"


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def heading(title: str) -> str:
    return f"### {title} ({datetime.now(UTC):%Y-%m-%d}, {machine()})"


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    if len(values) == 1:
        return dict.fromkeys(("p50", "p95", "p99", "max"), values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


def record(lines: list[str]) -> None:
    """Print the figures and append them to bench/RESULTS.md."""
    print("\n".join(lines))
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by the scripts in `bench/`.\n\n", encoding="utf-8"
        )
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n".join([*lines, ""]) + "\n")


def estate_desk(
    server: FakeTelegramServer,
    database: str | Path,
    folder: Path,
    profile: Path | None = None,
    **settings: object,
) -> BotProcess:
    """`python -m bot` against the fake, optionally under pyinstrument; the
    benchmarks' estate unless `settings` name another (estate_config=...)."""
    settings = {"estate_config": ESTATE} | settings
    env = bot_environment(server, database, log_level="WARNING", **settings)
    module: tuple[str, ...] = ("-m", "bot")
    if profile is not None:
        module = ("-m", "pyinstrument", "-r", "text", "-p", "flat", "-o", str(profile), "-m", "bot")
    return BotProcess(env, folder, module)


def echo_bot(
    server: FakeTelegramServer, folder: Path, concurrency: int, per_second: float
) -> BotProcess:
    env = bot_environment(
        server,
        folder / "unused.sqlite3",
        echo_concurrency=concurrency,
        echo_per_second=per_second,
    )
    return BotProcess(env, folder, ("-m", "bench.echo_bot"), log_name="echo.log")


async def polling(server: FakeTelegramServer, process: BotProcess, timeout: float = 60) -> float:
    """Wait until the bot in `process` asks for updates; returns the seconds it took."""
    started = time.perf_counter()
    calls = server.world.calls
    seen = len(calls)
    while True:
        if "getUpdates" in calls[seen:]:
            return time.perf_counter() - started
        assert process.process is not None
        if process.process.poll() is not None:
            raise RuntimeError(f"the bot exited early:\n{process.log()[-3000:]}")
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"the bot did not start polling:\n{process.log()[-3000:]}")
        await asyncio.sleep(0.01)


def children_cpu() -> float:
    """CPU seconds used by finished child processes so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
