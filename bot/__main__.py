"""`python -m bot`: run the estate desk."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot import logs
from bot.estate import ConfigError, load_estate
from bot.serving import fail as _fail
from bot.serving import stop_serving as _stop_serving
from bot.serving import take_lease
from bot.settings import Settings
from bot.storage import StoreError, store_at
from bot.storage.lease import Lease, PostgresLease, SqliteFileLease, holder_here
from workflow.estate import EstateConfig

log = logging.getLogger("bot")


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
        default="start",
        choices=[
            "start",
            "run",
            "playground",
            "check",
            "doctor",
            "backup",
            "checkpoints",
            "export",
        ],
        help="start (default: the bot with BOT_TOKEN, else the playground), run (the bot; "
        "refuses to start without a token: what a service runs), playground, check (the "
        "settings and estate.toml), doctor (Telegram, groups, rungs, font, database), "
        "backup PATH (a checked copy of the database, safe while the bot runs), checkpoints "
        "(print patrol QR codes), or export (the case register as .xlsx)",
    )
    parser.add_argument(
        "target", nargs="?", default=None, help="backup: the file, or a folder for a dated file"
    )
    parser.add_argument(
        "--keep",
        type=int,
        default=None,
        help="backup into a folder: keep only the newest N dated backups there",
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
        "--with-phones",
        action="store_true",
        help="export: include residents' phone numbers (left out unless asked for)",
    )
    parser.add_argument(
        "--company",
        action="store_true",
        help="export: every estate of the company (COMPANY_CONFIG) in one .xlsx",
    )
    parser.add_argument(
        "--bot-username",
        default=None,
        help="checkpoints: the bot's @username (without @), for the links",
    )
    return parser


def _backup(settings: Settings, target: str | None, keep: int | None) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.backup import BackupError, prune, take_backup

    if settings.sqlite_path is None:
        return _fail(
            "backup copies a SQLite database; this one is on PostgreSQL (DATABASE_URL): "
            "back it up with pg_dump (docs/deployment.md)"
        )
    if target is None:
        return _fail("backup needs a PATH: a file, or a folder for a dated file")
    try:
        made = take_backup(settings.sqlite_path, Path(target), datetime.now(UTC))
    except BackupError as error:
        return _fail(f"backup failed: {error}")
    print(f"backup {made.path}: {made.size:,} bytes, schema version {made.schema_version}, checked")
    if keep is not None and Path(target).is_dir():
        for old in prune(Path(target), keep):
            print(f"removed the older backup {old}")
    return 0


def _setting_error(error: Any) -> str:
    name, *rest = [str(part) for part in error["loc"]]
    where = name.upper() + "".join(f"[{part}]" for part in rest)
    return f"{where}: {error['msg']}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        if settings.company_config is not None:
            return _company_main(args, settings)
        estate = load_estate(settings.estate_config)
    except ValidationError as exc:
        return _fail("; ".join(_setting_error(e) for e in exc.errors()))
    except ConfigError as exc:
        return _fail(str(exc))
    if args.company:
        return _fail("--company needs COMPANY_CONFIG (the company file naming its estates)")
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    hook = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    logs.configure(settings.log_level, secrets=[token, hook])
    if args.command == "check":
        units = sum(len(b.unit_ids()) for b in estate.buildings)
        print(
            f"{estate.name.en}: {len(estate.buildings)} buildings, {units} units, "
            f"time zone {estate.timezone}; settings OK"
        )
        from bot.doctor import rung_gaps

        gaps = rung_gaps(settings, estate)
        if gaps is None:
            print("rungs: no database yet; bind groups and invite staff, then check again")
            return 0
        for line in gaps:
            print(f"FAIL  {line}")
        if gaps:
            return 1
        print("rungs: every rung has a bound group or a holder")
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

        try:
            return asyncio.run(
                export_register(
                    settings,
                    estate,
                    args.start,
                    args.end,
                    args.out or "cases.xlsx",
                    with_phones=args.with_phones,
                )
            )
        except StoreError as exc:
            return _fail(str(exc))
    if args.command == "doctor":
        import asyncio

        from bot.doctor import diagnose

        findings = asyncio.run(diagnose(settings, estate))
        for finding in findings:
            print(finding.line())
        return 0 if all(f.ok for f in findings) else 1
    if args.command == "backup":
        return _backup(settings, args.target, args.keep)
    if args.command == "run" and settings.bot_token is None:
        return _fail(
            "BOT_TOKEN is not set (no .env in this directory and none in the environment); "
            "`python -m bot playground` runs the local playground instead"
        )
    if args.command == "playground" or settings.bot_token is None:
        import asyncio

        from playground.web import run_playground

        try:
            asyncio.run(run_playground(settings, estate))
        except KeyboardInterrupt:
            print("playground stopped")
        except OSError as error:
            return _fail(f"could not start the playground: {error} (set PLAYGROUND_PORT)")
        return 0
    return _run(settings, estate)


COMPANY_COMMANDS = ("start", "run", "check", "doctor", "export")


def _company_main(args: argparse.Namespace, settings: Settings) -> int:
    """Several estates in one deployment (COMPANY_CONFIG): start, run, check and
    export are theirs; the others serve one estate (run them with ESTATE_CONFIG,
    BOT_TOKEN and that estate's database)."""
    from bot.company import load_company, site_settings

    if args.command not in COMPANY_COMMANDS:
        return _fail(
            f"{args.command} serves one estate; with COMPANY_CONFIG set, only "
            f"{', '.join(COMPANY_COMMANDS)} are available"
        )
    company = load_company(settings, serving=args.command in ("start", "run"))
    tokens = [s.token.get_secret_value() for s in company.sites]
    logs.configure(settings.log_level, secrets=tokens)
    if args.command == "check":
        from bot.doctor import rung_gaps

        print(f"{company.name.en}: {len(company.sites)} estates; settings OK")
        failed = False
        for site in company.sites:
            units = sum(len(b.unit_ids()) for b in site.estate.buildings)
            print(
                f"  {site.id}: {site.estate.name.en}: {len(site.estate.buildings)} buildings, "
                f"{units} units, time zone {site.estate.timezone} (schema {site.schema})"
            )
            gaps = rung_gaps(site_settings(settings, site), site.estate, site.schema)
            if gaps is None:
                print(f"  {site.id}: rungs: no tables yet; bind groups, invite staff, check again")
                continue
            for line in gaps:
                print(f"FAIL  {site.id}: {line}")
            failed = failed or bool(gaps)
            if not gaps:
                print(f"  {site.id}: rungs: every rung has a bound group or a holder")
        return 1 if failed else 0
    if args.command == "doctor":
        import asyncio

        from bot.doctor import diagnose

        ok = True
        for site in company.sites:
            findings = asyncio.run(
                diagnose(site_settings(settings, site), site.estate, schema=site.schema)
            )
            for finding in findings:
                print(f"{'ok  ' if finding.ok else 'FAIL'}  {site.id}: {finding.what}")
            ok = ok and all(f.ok for f in findings)
        return 0 if ok else 1
    if args.command == "export":
        import asyncio

        from bot.export import export_company

        if not args.company:
            return _fail("with COMPANY_CONFIG, export --company writes every estate's register")
        try:
            return asyncio.run(
                export_company(
                    settings,
                    company,
                    args.start,
                    args.end,
                    args.out or "company-cases.xlsx",
                    with_phones=args.with_phones,
                )
            )
        except StoreError as exc:
            return _fail(str(exc))
    from bot.estates import run_company

    return run_company(settings, company)


async def _prepare_store(settings: Settings) -> None:
    """Open the database before Telegram is called: migrated, writable, not from a
    newer release; and say who holds it."""
    from bot.backup import BackupError, before_migrations
    from bot.migrations import LATEST

    kept = None
    try:
        if settings.sqlite_path is not None:  # PostgreSQL: the migrations run in one transaction
            kept = before_migrations(settings.sqlite_path, LATEST, datetime.now(UTC))
    except BackupError as error:
        raise BackupError(f"not upgrading the database without a copy of it: {error}") from None
    if kept is not None:
        log.warning(
            "upgrading the database from version %d to %d: a copy as it was is in %s",
            kept.schema_version,
            LATEST,
            kept.path,
        )
    async with store_at(settings.database) as store:
        host, pid = holder_here()
        await store.record_holder(host, pid, datetime.now(UTC))


def _run(settings: Settings, estate: EstateConfig) -> int:
    import asyncio

    from telegram.error import NetworkError

    from bot.app import build_application, polling_watch
    from bot.backup import BackupError
    from bot.reaching import TokenRefused, wait_for_telegram
    from workflow.clock import SimulatedClock

    lease: Lease
    if settings.postgres_url is not None:
        lease = PostgresLease(settings.postgres_url, wait=settings.standby, on_lost=_stop_serving)
    else:
        lease = SqliteFileLease(settings.sqlite_path or settings.database_path)
    refused = take_lease(lease)
    if refused is not None:
        return refused
    try:
        asyncio.run(_prepare_store(settings))
        asyncio.run(wait_for_telegram(settings))
        clock = None
        if settings.sim_start is not None:
            clock = SimulatedClock(settings.sim_start, settings.sim_speed, settings.sim_epoch)
        application = build_application(settings, estate, clock=clock)
        watch = polling_watch(application)
        allowed = ["message", "callback_query", "my_chat_member"]
        if settings.webhook_url is not None and settings.webhook_secret is not None:
            log.info("webhook mode: Telegram posts updates to %s", settings.webhook_url)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=settings.webhook_path,
                secret_token=settings.webhook_secret.get_secret_value(),
                webhook_url=settings.webhook_url,
                allowed_updates=allowed,
            )
        else:
            application.run_polling(allowed_updates=allowed)
    except (StoreError, BackupError) as exc:
        return _fail(str(exc))
    except TokenRefused as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:  # stopped while still waiting for Telegram
        return _fail("stopped before Telegram answered", 130)
    except NetworkError as exc:  # Telegram went away between getMe and the first poll
        return _fail(f"Telegram unreachable while starting ({exc}); start the bot again", 1)
    finally:
        lease.release()
    if watch.gave_up is not None:
        return _fail(watch.gave_up, code=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
