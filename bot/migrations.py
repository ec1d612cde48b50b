"""Numbered schema migrations, applied in order at start-up.

Append a new entry to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL UNIQUE,
            category TEXT NOT NULL,
            status TEXT NOT NULL,
            reporter_id INTEGER,
            building TEXT,
            unit TEXT,
            created_at TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX cases_by_unit ON cases (building, unit, category);
        CREATE INDEX cases_by_reporter ON cases (reporter_id, created_at);

        -- One row per running timer, rewritten with its case: the sweep's index.
        CREATE TABLE deadlines (
            case_id INTEGER NOT NULL REFERENCES cases (id),
            kind TEXT NOT NULL,
            next_at TEXT NOT NULL,
            PRIMARY KEY (case_id, kind)
        );
        CREATE INDEX deadlines_by_time ON deadlines (next_at);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            actor_id INTEGER,
            reason TEXT,
            data TEXT NOT NULL
        );
        CREATE INDEX events_by_case ON events (case_id, id);
        CREATE INDEX events_by_time ON events (at);
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

        CREATE TABLE ref_counters (
            prefix TEXT NOT NULL,
            year INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (prefix, year)
        );
        """,
    ),
]
