"""`python -m bot`: run the estate desk."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from bot.estate import ConfigError, load_estate
from bot.settings import Settings
from workflow.estate import EstateConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="estate-desk: the front desk of a residential estate, as a Telegram bot.",
        epilog="Settings come from the environment or .env (see .env.example); the estate's "
        "structure from the TOML file named by ESTATE_CONFIG (default estate.toml).",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check", "checkpoints", "export"],
        help="run (default), check, checkpoints (print patrol QR codes), "
        "or export (the case register as .xlsx)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="checkpoints: the folder for the QR codes; export: the .xlsx file",
    )
    parser.add_argument(
        "--from",
        dest="start",
        default=None,
        help="export: first day, YYYY-MM-DD (default: this month)",
    )
    parser.add_argument("--to", dest="end", default=None, help="export: last day, YYYY-MM-DD")
    parser.add_argument(
        "--bot-username",
        default=None,
        help="checkpoints: the bot's @username (without @), for the links",
    )
    return parser


def _fail(message: str) -> int:
    print(f"estate-desk: {message}", file=sys.stderr)
    return 2


def _setting_error(error: Any) -> str:
    name, *rest = [str(part) for part in error["loc"]]
    where = name.upper() + "".join(f"[{part}]" for part in rest)
    return f"{where}: {error['msg']}"


def _load() -> tuple[Settings, EstateConfig]:
    settings = Settings()
    return settings, load_estate(settings.estate_config)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings, estate = _load()
    except ValidationError as exc:
        return _fail("; ".join(_setting_error(e) for e in exc.errors()))
    except ConfigError as exc:
        return _fail(str(exc))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command == "check":
        units = sum(len(b.unit_ids()) for b in estate.buildings)
        print(
            f"{estate.name.en}: {len(estate.buildings)} buildings, {units} units, "
            f"time zone {estate.timezone}; settings OK"
        )
        return 0
    if args.command == "checkpoints":
        if not args.bot_username:
            return _fail("checkpoints needs --bot-username (the bot's @username, without @)")
        from pathlib import Path

        from bot.checkpoints import write_sheet

        out = args.out or "checkpoints"
        written = write_sheet(estate, args.bot_username.lstrip("@"), Path(out))
        print(f"{len(written)} checkpoint codes and checkpoints.html written to {out}")
        return 0
    if args.command == "export":
        import asyncio

        from bot.export import export_register

        return asyncio.run(
            export_register(settings, estate, args.start, args.end, args.out or "cases.xlsx")
        )
    if settings.bot_token is None:
        import asyncio

        from playground.web import run_playground

        try:
            asyncio.run(run_playground(settings, estate))
        except KeyboardInterrupt:
            print("playground stopped")
        except OSError as error:
            return _fail(f"could not start the playground: {error} (set PLAYGROUND_PORT)")
        return 0
    from bot.app import build_application
    from workflow.clock import SimulatedClock

    clock = None
    if settings.sim_start is not None:
        clock = SimulatedClock(settings.sim_start, settings.sim_speed, settings.sim_epoch)
    application = build_application(settings, estate, clock=clock)
    application.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
