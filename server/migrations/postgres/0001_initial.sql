-- Backchannel schema, PostgreSQL flavour. Timestamps are Unix milliseconds (BIGINT);
-- flags are 0/1 BIGINT; JSON is TEXT. Keep in step with ../sqlite/.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    starts_on         TEXT,
    ends_on           TEXT,
    settings          TEXT NOT NULL DEFAULT '{}',
    archive_published BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    event_id           TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    title              TEXT NOT NULL,
    abstract           TEXT NOT NULL DEFAULT '',
    speakers           TEXT NOT NULL DEFAULT '[]',
    track              TEXT NOT NULL DEFAULT '',
    room               TEXT NOT NULL DEFAULT '',
    starts_at          BIGINT,
    ends_at            BIGINT,
    stream_url         TEXT,
    disclosures        TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL DEFAULT 'scheduled',
    moderation         TEXT NOT NULL DEFAULT 'post',
    join_code          TEXT NOT NULL UNIQUE,
    started_at         BIGINT,
    ended_at           BIGINT,
    epoch              TEXT NOT NULL,
    last_log_seq       BIGINT NOT NULL DEFAULT 0,
    last_public_seq    BIGINT NOT NULL DEFAULT 0,
    last_staff_seq     BIGINT NOT NULL DEFAULT 0,
    pinned_question_id TEXT,
    peak_attendance    BIGINT NOT NULL DEFAULT 0,
    total_attendance   BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX sessions_by_event ON sessions(event_id, starts_at);

CREATE TABLE attendees (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    display_name TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attendees_by_session ON attendees(session_id);

-- Only SHA-256 hashes of tokens are stored, never the tokens.
CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    event_id    TEXT REFERENCES events(id) ON DELETE CASCADE,
    session_id  TEXT REFERENCES sessions(id) ON DELETE CASCADE,
    attendee_id TEXT REFERENCES attendees(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX tokens_by_session ON tokens(session_id);
CREATE INDEX tokens_by_event ON tokens(event_id);

CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    html       TEXT NOT NULL,
    takeaway   BIGINT NOT NULL DEFAULT 0,
    author     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX notes_by_session ON notes(session_id, created_at);

CREATE TABLE questions (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    attendee_id TEXT REFERENCES attendees(id) ON DELETE SET NULL,
    body        TEXT NOT NULL,
    anonymous   BIGINT NOT NULL DEFAULT 1,
    author_name TEXT,
    state       TEXT NOT NULL,
    answered    BIGINT NOT NULL DEFAULT 0,
    answer      TEXT,
    answer_html TEXT,
    answered_at BIGINT,
    labels      TEXT NOT NULL DEFAULT '[]',
    upvotes     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX questions_by_session ON questions(session_id, created_at);

CREATE TABLE upvotes (
    question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    attendee_id TEXT NOT NULL REFERENCES attendees(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (question_id, attendee_id)
);

CREATE TABLE polls (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    question        TEXT NOT NULL,
    options         TEXT NOT NULL DEFAULT '[]',
    scale_max       BIGINT,
    state           TEXT NOT NULL DEFAULT 'draft',
    results_visible BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    opened_at       BIGINT,
    closed_at       BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX polls_by_session ON polls(session_id, created_at);

CREATE TABLE ballots (
    poll_id     TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    attendee_id TEXT NOT NULL REFERENCES attendees(id) ON DELETE CASCADE,
    choice      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (poll_id, attendee_id)
);

-- Running tallies, kept in step with ballots inside the same transaction.
CREATE TABLE poll_tallies (
    poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (poll_id, key)
);

CREATE TABLE reactions (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (session_id, emoji)
);

CREATE TABLE stars (
    attendee_id TEXT NOT NULL REFERENCES attendees(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (attendee_id, target_kind, target_id)
);

-- Results of applied commands, so a retried command id is answered, not re-applied.
CREATE TABLE command_results (
    actor      TEXT NOT NULL,
    command_id TEXT NOT NULL,
    result     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, command_id)
);

-- The ordered, replayable stream of each session.
CREATE TABLE session_log (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    log_seq    BIGINT NOT NULL,
    public_seq BIGINT,
    staff_seq  BIGINT,
    ts         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    entity     TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (session_id, log_seq)
);
CREATE UNIQUE INDEX session_log_public ON session_log(session_id, public_seq);
CREATE UNIQUE INDEX session_log_staff ON session_log(session_id, staff_seq);
CREATE INDEX session_log_entity ON session_log(session_id, entity);

CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_id TEXT,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_by_event ON audit_log(event_id, created_at);
