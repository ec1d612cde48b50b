"""What the benchmarks share: the machine's description, percentiles, the
results file, and the two bots under test started in their own processes."""

from __future__ import annotations

import argparse
import asyncio
import math
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


def runs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="measure this many times; each run is appended, then each figure's "
        "min / median / max (default 3, as the issues' targets ask)",
    )


def _figure(value: float) -> str:
    if math.isnan(value):
        return "–"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def spread(title: str, runs: Sequence[dict[str, float]]) -> list[str]:
    """A heading and one line per figure: its min / median / max over `runs`."""
    lines = [heading(f"{title}: min / median / max of {len(runs)} runs"), ""]
    for name in runs[0]:
        values = [run[name] for run in runs if name in run]
        known = sorted(v for v in values if not math.isnan(v))
        if not known:
            lines.append(f"- {name}: –")
            continue
        missing = len(values) - len(known)
        low, middle, high = known[0], statistics.median(known), known[-1]
        lines.append(
            f"- {name}: {_figure(low)} / {_figure(middle)} / {_figure(high)}"
            + (f" ({missing} of {len(values)} runs without it)" if missing else "")
        )
    return lines


def daytime_estate(folder: Path) -> Path:
    """The benchmarks' estate with the residents' quiet hours moved to one minute
    at noon (12:00-12:01 in the estate's time zone): their notices go out during
    a run, as in the day, whatever the hour the run is made."""
    estate = folder / "estate.toml"
    estate.write_text(ESTATE.read_text() + '\n[hours]\nquiet = "12:00-12:01"\n')
    return estate
