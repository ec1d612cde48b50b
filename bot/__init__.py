"""Wiring, settings and start-up of the estate desk."""

import os

# Opt in now to python-telegram-bot's coming behaviour (durations as timedelta),
# so the bot and its tests already run the way the next major version will.
os.environ.setdefault("PTB_TIMEDELTA", "1")
