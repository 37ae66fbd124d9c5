-- Takeaways that travel (issue 9): attendees' flags for moderators, the
-- code-of-conduct acknowledgement, and speakers' opt-in public pages.
-- Keep in step with ../sqlite/0004_sharing.sql.

-- An attendee's acknowledgement of the event's code of conduct.
ALTER TABLE attendees ADD COLUMN coc_acknowledged_at BIGINT;

-- A question or note an attendee flagged for moderators. `excerpt` is the
-- target's text when flagged (the audit trail keeps what was reported).
CREATE TABLE flags (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    attendee_id TEXT REFERENCES attendees(id) ON DELETE SET NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    excerpt     TEXT NOT NULL DEFAULT '',
    -- open, dismissed (kept) or removed (hidden / deleted).
    state       TEXT NOT NULL DEFAULT 'open',
    resolved_by TEXT,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX flags_by_session ON flags(session_id, created_at);
CREATE INDEX flags_by_target ON flags(target_kind, target_id);

-- A speaker's public page: the slug is claimed once, with a key (stored as
-- its SHA-256) that the speaker presents to add sessions of later events.
CREATE TABLE speaker_pages (
    slug       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The sessions on a speaker's page (opted in with that session's speaker token).
CREATE TABLE speaker_page_sessions (
    slug         TEXT NOT NULL REFERENCES speaker_pages(slug) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    speaker_name TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (slug, session_id)
);
CREATE INDEX speaker_page_sessions_by_session ON speaker_page_sessions(session_id);
