-- A per-session version, bumped by every write to the session: counters
-- published after a commit carry it, so nodes keep the newest value even
-- when messages arrive out of order.
ALTER TABLE sessions ADD COLUMN counter_version BIGINT NOT NULL DEFAULT 0;
