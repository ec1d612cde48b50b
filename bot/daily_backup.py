"""The bot's own daily backup (BACKUP_DIR, BACKUP_KEEP, BACKUP_AT).

Once a day, at or after BACKUP_AT in the estate's time zone, a checked copy of
the database goes into BACKUP_DIR with a dated name (bot/backup.py), and only
the newest BACKUP_KEEP are kept. Whether today's is taken is read from the
folder itself, so a bot restarted in the afternoon does not take a second one.
The copy runs in a thread: the event loop keeps serving while it is taken.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.backup import Backup, BackupError, prune, take_backup
from delivery.rounds import stop_task
from workflow.clock import Clock

log = logging.getLogger(__name__)

PATTERN = "estate-desk-*.sqlite3"
# After a failed backup, the next attempt waits this long (not every minute).
RETRY_AFTER = timedelta(hours=1)


def latest_backup(folder: Path | None) -> tuple[Path, datetime] | None:
    """The newest dated backup in `folder` and when it was written (UTC)."""
    if folder is None or not folder.is_dir():
        return None
    dated = sorted(folder.glob(PATTERN))
    if not dated:
        return None
    newest = dated[-1]
    return newest, datetime.fromtimestamp(newest.stat().st_mtime, UTC)


class DailyBackup:
    def __init__(
        self,
        database: Path,
        folder: Path,
        keep: int,
        at: time,
        zone: ZoneInfo,
        clock: Clock,
        check_every: float = 60.0,
    ) -> None:
        self.database, self.folder, self.keep, self.at = database, folder, keep, at
        self.zone, self.clock, self.check_every = zone, clock, check_every
        self.failed_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def taken_on(self, day: datetime) -> bool:
        return any(self.folder.glob(f"estate-desk-{day:%Y%m%d}-*.sqlite3"))

    def due(self) -> bool:
        now = self.clock.now()
        local = now.astimezone(self.zone)
        if local.time() < self.at:
            return False
        if self.failed_at is not None and now - self.failed_at < RETRY_AFTER:
            return False
        return not self.taken_on(local)

    async def run_once(self) -> Backup | None:
        """Takes today's backup if it is due; None if not due or it failed."""
        if not self.due():
            return None
        local = self.clock.now().astimezone(self.zone)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            made = await asyncio.to_thread(take_backup, self.database, self.folder, local)
            removed = await asyncio.to_thread(prune, self.folder, self.keep)
        except (BackupError, OSError) as error:
            self.failed_at = self.clock.now()
            log.warning("daily backup failed: %s; trying again in an hour", error)
            return None
        self.failed_at = None
        log.info(
            "daily backup %s: %s bytes, schema version %d; %d older removed",
            made.path,
            f"{made.size:,}",
            made.schema_version,
            len(removed),
        )
        return made

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.check_every)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="daily-backup")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)
