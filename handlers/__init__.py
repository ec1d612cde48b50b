"""Telegram adapters: parse an update, call the desk, render what happened.

No business rule lives here; every word comes from `locales/`.
"""
