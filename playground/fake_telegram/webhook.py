"""The fake's webhook: once the bot calls setWebhook, updates are POSTed to its
URL, in order, with the secret in X-Telegram-Bot-Api-Secret-Token as Telegram
sends it, instead of being left for getUpdates (which Telegram then refuses).
An update the bot does not take (a non-2xx answer, or no answer) is sent
again shortly, as Telegram retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field

import aiohttp

from playground.fake_telegram.world import JSON, UPDATES, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY = 0.2


@dataclass
class Webhook:
    url: str
    secret: str | None
    allowed: list[str] | None
    delivered: int = 0
    last_error: str | None = None
    statuses: list[int] = field(default_factory=list)


class WebhookPusher:
    def __init__(self, world: World) -> None:
        self.world = world
        self.hook: Webhook | None = None
        self._task: asyncio.Task[None] | None = None

    def set(self, hook: Webhook) -> None:
        self.hook = hook
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._push())

    async def delete(self) -> None:
        self.hook = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _next(self, hook: Webhook) -> JSON | None:
        for update in self.world.updates:
            kinds = [k for k in update if k != "update_id"]
            if not hook.allowed or any(k in hook.allowed for k in kinds):
                return update
        return None

    async def _push(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while (hook := self.hook) is not None:
                update = self._next(hook)
                if update is None:
                    await self.world.wait_changed(1.0, UPDATES)
                    continue
                headers = {"Content-Type": "application/json"}
                if hook.secret is not None:
                    headers[SECRET_HEADER] = hook.secret
                try:
                    async with session.post(
                        hook.url, data=json.dumps(update, ensure_ascii=False), headers=headers
                    ) as answer:
                        hook.statuses.append(answer.status)
                        ok = 200 <= answer.status < 300
                        if not ok:
                            hook.last_error = f"Wrong response from the webhook: {answer.status}"
                except (aiohttp.ClientError, TimeoutError) as error:
                    ok, hook.last_error = False, f"Connection failed: {error}"
                if ok:
                    with contextlib.suppress(ValueError):
                        self.world.updates.remove(update)
                    hook.delivered += 1
                else:
                    await asyncio.sleep(RETRY)
