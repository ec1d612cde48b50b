"""A getUpdates request that cannot be wedged by one bad update.

python-telegram-bot parses a whole batch of updates at once; one malformed
update fails the batch, the offset never moves past it, and polling retries
the same batch for ever. This request checks each update on arrival and
replaces one that does not parse with its bare `update_id` (logged), which
the bot then ignores and confirms like any other.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


class SanitizingRequest(HTTPXRequest):
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
        cleaned = []
        for raw in result:
            try:
                Update.de_json(raw, None)
            except Exception:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                log.warning("ignoring a malformed update %s", update_id)
                if not isinstance(update_id, int):
                    continue
                raw = {"update_id": update_id}
            cleaned.append(raw)
        payload["result"] = cleaned
        return status, json.dumps(payload).encode()
