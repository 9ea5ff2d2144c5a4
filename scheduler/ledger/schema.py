"""The ledger's schema: ordered sqlite-utils migrations, each applied once per database file.

sqlite-utils runs each migration in a transaction together with its record in `_sqlite_migrations`, so
a crash mid-migration leaves it pending, never half-applied. Append new steps at the end; never edit one
that has shipped.
"""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database, Migrations

migrations = Migrations("danvan")

_M001_STATEMENTS: Final = (
    """
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        slot TEXT NOT NULL,
        slot_utc TEXT NOT NULL,
        slogan_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('planned', 'sending', 'posted', 'failed', 'missed', 'unknown')),
        remote_id TEXT,
        error TEXT,
        card_hash TEXT,
        caption TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        claimed_at TEXT,
        posted_at TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (channel, slot_utc)
    )
    """,
    "CREATE INDEX idx_posts_status ON posts (status)",
    "CREATE INDEX idx_posts_slot_utc ON posts (slot_utc)",
    # Redundant with the UNIQUE constraint's automatic index, but named so that it shows up
    # plainly in Datasette / DB Browser next to the others.
    "CREATE INDEX idx_posts_channel_slot_utc ON posts (channel, slot_utc)",
    """
    CREATE TABLE readings (
        id INTEGER PRIMARY KEY,
        post_id INTEGER NOT NULL REFERENCES posts (id),
        taken_at TEXT NOT NULL,
        reach INTEGER,
        views INTEGER,
        reactions INTEGER,
        clicks INTEGER,
        shares INTEGER,
        raw TEXT
    )
    """,
    "CREATE INDEX idx_readings_post_id_taken_at ON readings (post_id, taken_at)",
    """
    CREATE TABLE channel_state (
        channel TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('active', 'paused')),
        reason TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE daemon (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        next_slot TEXT
    )
    """,
    # Zalo refresh tokens are single-use and rotate on every refresh, so the current pair can only
    # live here; the config file holds the first one alone.
    """
    CREATE TABLE tokens (
        channel TEXT PRIMARY KEY,
        access_token TEXT,
        refresh_token TEXT,
        access_expires_at TEXT,
        refresh_expires_at TEXT,
        updated_at TEXT NOT NULL
    )
    """,
)


@migrations()
def m001_initial(db: Database) -> None:
    for statement in _M001_STATEMENTS:
        db.execute(statement)


@migrations()
def m002_channel_pause_until(db: Database) -> None:
    # A policy block (Facebook code 368) pauses a channel for a cool-down, not until a person acts.
    db.execute("ALTER TABLE channel_state ADD COLUMN paused_until TEXT")


@migrations()
def m003_zalo_auth_followers_broadcasts(db: Database) -> None:
    # PKCE verifier of a consent in progress (sealed like the tokens).
    db.execute(
        "CREATE TABLE zalo_auth (channel TEXT PRIMARY KEY, code_verifier TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute(
        """
        CREATE TABLE followers (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            count INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_followers_channel_taken_at ON followers (channel, taken_at)")
    # Zalo refuses broadcasts at night (-234): they wait here for the morning.
    db.execute(
        """
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            post_id INTEGER REFERENCES posts (id),
            article_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            not_before TEXT NOT NULL,
            message_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_broadcasts_status_not_before ON broadcasts (status, not_before)")


@migrations()
def m004_incidents(db: Database) -> None:
    # Failures that need a person, raised once per incident (not once per slot) and closed when it clears.
    db.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_incidents_open ON incidents (channel, kind, closed_at)")


@migrations()
def m005_approvals(db: Database) -> None:
    # The audit trail of who approved (duyệt) which exact text: rows are only ever added, never changed,
    # so an approval stays on record after the text is edited or the approval is withdrawn.
    db.execute(
        """
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            slogan_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('approve', 'revoke')),
            text TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            captions TEXT NOT NULL,
            caption_sha256 TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_approvals_slogan_id ON approvals (slogan_id, id)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER approvals_no_{verb.lower()} BEFORE {verb} ON approvals
            BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END
            """
        )


@migrations()
def m006_web_console(db: Database) -> None:
    # Issue 16: the web console's accounts (Argon2 hashes only), its session-signing secret (kept here, not
    # in the config file, so a shared config never carries it), and channels paused by an officer by hand.
    db.execute(
        """
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('officer', 'approver')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE TABLE web_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL)")
    db.execute(
        """
        CREATE TABLE manual_pauses (
            channel TEXT PRIMARY KEY,
            paused_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            paused_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m007_latest_reach(db: Database) -> None:
    # `danvan log` shows each post's latest reach; finding it per post with a sub-query took half the time of
    # `log --json` on 100,000 posts. A trigger keeps it in the post's row, whoever writes the reading.
    db.execute("ALTER TABLE posts ADD COLUMN latest_reach INTEGER")
    db.execute(f"UPDATE posts SET latest_reach = {_NEWEST_REACH.format(post='posts.id')}")
    db.execute(
        f"""
        CREATE TRIGGER readings_keep_latest_reach AFTER INSERT ON readings WHEN NEW.reach IS NOT NULL
        BEGIN
            UPDATE posts SET latest_reach = {_NEWEST_REACH.format(post="NEW.post_id")} WHERE id = NEW.post_id;
        END
        """
    )


# The reach of a post's newest reading that has one (ties broken by the later row).
_NEWEST_REACH = """(
    SELECT readings.reach FROM readings
    WHERE readings.post_id = {post} AND readings.reach IS NOT NULL
    ORDER BY readings.taken_at DESC, readings.id DESC
    LIMIT 1
)"""
