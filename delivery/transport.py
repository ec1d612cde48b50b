"""How the bot talks HTTP to the Bot API: aiohttp under python-telegram-bot.

PTB ships one networking backend (httpx) and documents `BaseRequest` as the
place to plug in another. We do, because the burst benchmark showed the bot
spending most of its time inside httpx: against the fake Bot API on this
machine one call cost 1.7 ms of CPU alone and 3.4 ms with 16 in flight
(httpcore's pool), against 0.35 ms with aiohttp, which the fake server and
the playground use already (bench/RESULTS.md has the figures).

Timeouts and failures map onto PTB's own errors (`TimedOut`, `NetworkError`),
so PTB's retries, the rate limiter and our courier see what they would with
httpx.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp has no separate write timeout: the whole exchange gets write + read.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if files:
                body = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    body.add_field(name, value)
                for name, (filename, content, mime) in files.items():
                    body.add_field(name, content, filename=filename, content_type=mime)
            else:
                # The form aiohttp would build from a dict, encoded here: its
                # FormData costs more than the rest of the request.
                body = request_data.url_encoded_parameters().encode()
                headers = FORM
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _given(value: object, default: float | None) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:
        return default
    assert value is None or isinstance(value, int | float)
    return value


class SanitizingRequest(AiohttpRequest):
    """A getUpdates request that cannot be wedged by one bad update.

    python-telegram-bot parses a whole batch of updates at once; one malformed
    update fails the batch, the offset never moves past it, and polling asks
    for the same batch again, for ever. So when the same offset is asked for
    twice after a non-empty batch (which only happens after such a failure),
    this request checks each update and replaces one that does not parse with
    its bare `update_id` (logged), which the bot then ignores and confirms like
    any other. Healthy batches pass untouched: nothing is parsed twice.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._last: tuple[object, bool] = (None, False)  # (offset asked, batch non-empty)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(url, method, request_data, *args, **kwargs)
        if status != 200 or not url.endswith("/getUpdates"):
            return status, body
        try:
            payload = json.loads(body)
        except ValueError:
            return status, body
        result = payload.get("result")
        if not isinstance(result, list):
            return status, body
        offset = request_data.parameters.get("offset") if request_data else None
        retried = self._last == (offset, True)
        self._last = (offset, bool(result))
        if not retried:
            return status, body
        payload["result"] = [update for raw in result if (update := _checked(raw)) is not None]
        return status, json.dumps(payload).encode()


def _checked(raw: object) -> object | None:
    try:
        Update.de_json(raw, None)  # type: ignore[arg-type]
    except Exception:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.warning("ignoring a malformed update %s", update_id)
        return {"update_id": update_id} if isinstance(update_id, int) else None
    return raw
