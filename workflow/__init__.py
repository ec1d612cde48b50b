"""The estate front desk's domain core.

Pure Python: no Telegram, no network, no global state. Commands go in,
decisions (the new case state, events for the log, notifications to send)
come out. Time is always passed in, never read from the wall clock here.
"""
