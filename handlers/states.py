"""The states of a resident's private conversation with the bot."""

from __future__ import annotations

(
    REG_BUILDING,
    REG_UNIT,
    REG_NAME,
    REG_PHONE,
    F_WHERE,
    F_BUILDING,
    F_SPOT,
    F_URGENCY,
    F_KIND,
    F_DESCRIBE,
    F_CONFIRM,
    ADD_INFO,
    AGAIN,
    COMMENT,
    G_WHERE,
    G_REPORT,
) = range(16)
