-- Highlights (issue 6): webhooks and their delivery outbox, and the link
-- between sessions and the talks of an imported pretalx / frab schedule.
-- Keep in step with ../postgres/0003_highlights.sql.

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    -- The HMAC key: needed to sign, so kept (never logged, shown once).
    secret     TEXT NOT NULL,
    -- JSON list of the kinds it receives, e.g. ["session.ended"].
    kinds      TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_event ON webhooks(event_id);

-- The outbox: a delivery is written in the same transaction as what caused
-- it, and a background task posts it (with retries) after the commit.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries(event_id, created_at);

-- The schedule a session was imported from: the talk as it came (so an
-- export round-trips fields Backchannel does not model), keyed by its guid.
CREATE TABLE schedule_talks (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    guid       TEXT NOT NULL,
    day        TEXT NOT NULL,
    utc_offset BIGINT NOT NULL DEFAULT 0,
    talk       TEXT NOT NULL
);
CREATE UNIQUE INDEX schedule_talks_by_guid ON schedule_talks(event_id, guid);

-- The conference header of the imported schedule (without its talks).
CREATE TABLE schedule_conferences (
    event_id    TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    conference  TEXT NOT NULL,
    utc_offset  BIGINT NOT NULL DEFAULT 0,
    imported_at BIGINT NOT NULL
);
