"""Numbered schema migrations, applied in order at start-up.

Append a new entry to change the schema; never edit one that has shipped.
They are written for SQLite; on PostgreSQL each is translated as it is applied
(bot/storage/postgres.py: INTEGER → BIGINT, an INTEGER PRIMARY KEY → an
identity, append-only triggers → a plpgsql function). Plain CREATE TABLE /
INDEX, ALTER TABLE … ADD COLUMN / RENAME, DROP and INSERT … SELECT translate by
themselves; a migration with SQLite-only text (PRAGMA, INSERT OR …, a trigger
that does more than refuse) stops with its number on PostgreSQL until it has
an entry in POSTGRES_OVERRIDES, under the same number.
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
    (
        2,
        """
        -- Everyone the bot knows: residents (with their unit and approval) and staff
        -- (with their roles). One Telegram account is one person.
        CREATE TABLE people (
            user_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            language TEXT,
            phone TEXT,
            building TEXT,
            unit TEXT,
            resident_status TEXT NOT NULL DEFAULT 'none',
            roles TEXT NOT NULL DEFAULT '[]',
            reachable INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE INDEX people_by_unit ON people (building, unit);

        -- Which group chat serves which role, and in which language.
        CREATE TABLE role_groups (
            role TEXT PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            language TEXT,
            is_forum INTEGER NOT NULL DEFAULT 0
        );

        -- Where each case's card was posted, so it is edited in place.
        CREATE TABLE cards (
            case_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            thread_id INTEGER,
            PRIMARY KEY (case_id, chat_id)
        );

        CREATE TABLE invites (
            token TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            created_by INTEGER NOT NULL,
            expires_at TEXT NOT NULL,
            used_by INTEGER
        );

        -- Notifications are written in the same transaction as the change they
        -- announce and delivered afterwards: a crash between the two delays a
        -- message, it never loses one.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL,
            done_at TEXT,
            outcome TEXT
        );
        CREATE INDEX outbox_pending ON outbox (done_at, next_try_at);

        -- python-telegram-bot's persistence: conversation states and user data.
        CREATE TABLE ptb_state (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        );
        """,
    ),
    (
        3,
        """
        -- During a burst a group gets one digest message per building and category
        -- (and one for its feed) edited in place, instead of a message per case.
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            key TEXT NOT NULL,
            case_ids TEXT NOT NULL DEFAULT '[]',
            lines TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            dirty INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX digests_open ON digests (chat_id, key, created_at);
        """,
    ),
    (
        4,
        """
        -- Who is on duty: a guard goes on and off with one button.
        CREATE TABLE duty (
            user_id INTEGER PRIMARY KEY,
            on_duty INTEGER NOT NULL,
            since TEXT NOT NULL
        );
        """,
    ),
    (
        5,
        """
        -- Patrol: every checkpoint scan, and the guards' shift log.
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            checkpoint TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX scans_by_time ON scans (at);
        CREATE TABLE shift_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            text TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX shift_notes_by_time ON shift_notes (at);
        """,
    ),
    (
        6,
        """
        -- A resident's confirmation is delivered straight after filing, ahead of
        -- the queue: it looks up the case's pending notifications.
        CREATE INDEX outbox_pending_by_case ON outbox (case_id) WHERE done_at IS NULL;
        -- Every card refresh asks whether the card is a digest, and every courier
        -- round which digests need an edit: neither may scan months of digests.
        CREATE INDEX digests_by_message ON digests (chat_id, message_id);
        CREATE INDEX digests_dirty ON digests (id) WHERE dirty = 1;
        """,
    ),
    (
        7,
        """
        -- The outbox also carries notices that belong to no case (patrol alerts,
        -- handovers, the weekly summary, registrations to approve): case_id may be
        -- NULL. SQLite cannot drop a NOT NULL, so the table is rebuilt.
        CREATE TABLE outbox_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL,
            done_at TEXT,
            outcome TEXT
        );
        INSERT INTO outbox_new SELECT id, case_id, body, created_at, attempts, next_try_at,
            done_at, outcome FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_new RENAME TO outbox;
        CREATE INDEX outbox_pending ON outbox (done_at, next_try_at);
        CREATE INDEX outbox_pending_by_case ON outbox (case_id) WHERE done_at IS NULL;
        CREATE INDEX outbox_pending_notices ON outbox (next_try_at)
            WHERE done_at IS NULL AND case_id IS NULL;
        """,
    ),
    (
        8,
        """
        -- Who holds the database: one row, written by the instance that took the
        -- lock at start-up (bot/storage/lease.py), so a second one can name it.
        CREATE TABLE instance_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL
        );
        """,
    ),
    (
        9,
        """
        -- A bound group the bot can no longer post in (removed from it, the group
        -- deleted, Telegram refusing it): kept, marked broken, and its cases go to
        -- the role's people privately until the group is bound again.
        ALTER TABLE role_groups ADD COLUMN broken_at TEXT;
        ALTER TABLE role_groups ADD COLUMN broken_reason TEXT;
        """,
    ),
    (
        10,
        """
        -- Notices to residents (bulletins): the text in each language or one for all,
        -- an optional photo or PDF, the audience, when it goes, the author's progress line.
        CREATE TABLE bulletins (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            author_id INTEGER NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            send_at TEXT NOT NULL,
            progress_chat INTEGER,
            progress_message INTEGER,
            progress_dirty INTEGER NOT NULL DEFAULT 0,
            corrected_at TEXT,
            withdrawn_at TEXT
        );
        CREATE INDEX bulletins_due ON bulletins (send_at) WHERE status = 'scheduled';
        -- Each resident's copy of a bulletin, its corrections and its withdrawal: the
        -- bulletins' own outbox. A row is claimed ('sending') in a committed
        -- transaction before it is sent, so a kill never sends it twice.
        CREATE TABLE bulletin_sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            bulletin_id INTEGER NOT NULL REFERENCES bulletins (id),
            user_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL,
            message_id INTEGER,
            done_at TEXT
        );
        CREATE INDEX bulletin_sends_pending ON bulletin_sends (next_try_at)
            WHERE outcome = 'pending';
        CREATE INDEX bulletin_sends_by_bulletin ON bulletin_sends (bulletin_id, kind, outcome);
        CREATE UNIQUE INDEX bulletin_sends_once ON bulletin_sends (bulletin_id, user_id)
            WHERE kind = 'bulletin';
        -- Known incidents, the complaints linked to them, and the staff's one card.
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            category TEXT NOT NULL,
            buildings TEXT NOT NULL,
            description TEXT NOT NULL,
            declared_by INTEGER NOT NULL,
            declared_at TEXT NOT NULL,
            expected_end TEXT,
            closed_at TEXT,
            case_id INTEGER,
            last_update TEXT,
            card_chat INTEGER,
            card_message INTEGER,
            card_dirty INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX incidents_open ON incidents (category) WHERE closed_at IS NULL;
        CREATE TABLE incident_links (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents (id),
            user_id INTEGER NOT NULL,
            building TEXT,
            unit TEXT,
            description TEXT NOT NULL DEFAULT '',
            linked_at TEXT NOT NULL
        );
        CREATE INDEX incident_links_by_incident ON incident_links (incident_id);
        CREATE INDEX incident_links_by_time ON incident_links (linked_at);
        """,
    ),
    (
        11,
        """
        -- Residents' opinion surveys: the questions and the audience (body, JSON),
        -- the seed its random sample was drawn with, its closing time and its one
        -- reminder (the sweep reads both from here).
        CREATE TABLE surveys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            author_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            anonymous INTEGER NOT NULL,
            seed INTEGER NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            closes_at TEXT NOT NULL,
            remind_at TEXT,
            reminded_at TEXT,
            closed_at TEXT,
            bulletin_id INTEGER
        );
        CREATE INDEX surveys_by_status ON surveys (status, closes_at);
        CREATE INDEX surveys_by_closing ON surveys (closed_at);
        -- The sample: who a survey was sent to, the question each answers next,
        -- and when they finished.
        CREATE TABLE survey_invites (
            survey_id INTEGER NOT NULL REFERENCES surveys (id),
            user_id INTEGER NOT NULL,
            invited_at TEXT NOT NULL,
            at_question INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT,
            PRIMARY KEY (survey_id, user_id)
        );
        CREATE INDEX survey_invites_by_user ON survey_invites (user_id, finished_at);
        -- Each resident's invitation and reminder: the surveys' own outbox, as
        -- bulletin_sends is the notices'. A row is claimed ('sending') in a committed
        -- transaction before it is sent, so a kill never sends it twice.
        CREATE TABLE survey_sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            survey_id INTEGER NOT NULL REFERENCES surveys (id),
            user_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT NOT NULL,
            message_id INTEGER,
            done_at TEXT
        );
        CREATE UNIQUE INDEX survey_sends_once ON survey_sends (survey_id, user_id, kind);
        CREATE INDEX survey_sends_by_outcome ON survey_sends (outcome, next_try_at);
        -- Each answer as it is given (JSON: a number, a list of options, a text).
        CREATE TABLE survey_answers (
            survey_id INTEGER NOT NULL REFERENCES surveys (id),
            user_id INTEGER NOT NULL,
            question INTEGER NOT NULL,
            answer TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (survey_id, user_id, question)
        );
        """,
    ),
    (
        12,
        """
        -- Which estate each row belongs to. On SQLite (one estate a database) it stays
        -- ''; on PostgreSQL each estate of a company has a schema of its own, and the
        -- column's default there is the estate's id (bot/storage/postgres.py), so a
        -- company-wide export says where every row came from. A constant default
        -- makes ADD COLUMN a change to the schema only: no row is rewritten.
        ALTER TABLE cases ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE deadlines ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE ref_counters ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE people ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE role_groups ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE invites ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE outbox ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE ptb_state ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE digests ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE duty ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE scans ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE shift_notes ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE instance_lease ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE bulletins ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE bulletin_sends ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE incidents ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE incident_links ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE surveys ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE survey_invites ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE survey_sends ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE survey_answers ADD COLUMN estate_id TEXT NOT NULL DEFAULT '';
        """,
    ),
]

# The newest schema this release knows: a database stamped with a later version
# was written by a newer release, and is refused rather than misread.
LATEST = max(version for version, _ in MIGRATIONS)

# PostgreSQL's own text for a migration the translation cannot handle, by number.
POSTGRES_OVERRIDES: dict[int, str] = {}
