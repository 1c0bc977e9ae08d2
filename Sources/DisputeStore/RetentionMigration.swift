extension Migrations {
    /// Retention (`drwatch purge`) and the daemon's poll record (`drwatch check`, metrics).
    ///
    /// Events and the web audit trail stay append-only, with one guarded exception: while a
    /// closed dispute's id is in `purge_grant` (rows that exist only inside the purge's own
    /// transaction), its events and its audit rows may be deleted. A grant for an open dispute
    /// is refused. `purged_counts` keeps, without any reference, how many closed disputes of
    /// each kind were removed per quarter raised and closed. `retention_log` (append-only)
    /// records every purge and every pruning of sent messages: when, the cut-off, how many.
    /// `daemon_polls` (one row) is where the daemon records its polls; `notification_counts`
    /// counts, by trigger, every message enqueued, sent, failed and parked per channel, so
    /// the metrics stay monotonic when old messages are pruned.
    static let retention = Migration(name: "009-retention", sql: """
        CREATE TABLE purge_grant (dispute_id INTEGER PRIMARY KEY);
        CREATE TRIGGER purge_grant_closed_only BEFORE INSERT ON purge_grant
            WHEN NOT EXISTS (SELECT 1 FROM disputes WHERE id = NEW.dispute_id AND is_closed = 1)
            BEGIN SELECT RAISE(ABORT, 'only a closed dispute can be purged'); END;
        DROP TRIGGER events_no_delete;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            WHEN NOT EXISTS (SELECT 1 FROM purge_grant g JOIN disputes d ON d.id = g.dispute_id
                             WHERE g.dispute_id = OLD.dispute_id AND d.is_closed = 1)
            BEGIN SELECT RAISE(ABORT, 'events are append-only (only drwatch purge removes a closed dispute past retention)'); END;
        DROP TRIGGER audit_no_delete;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            WHEN OLD.dispute_ref IS NULL OR NOT EXISTS (SELECT 1 FROM purge_grant g JOIN disputes d ON d.id = g.dispute_id
                                                        WHERE d.ref = OLD.dispute_ref AND d.is_closed = 1)
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only (only drwatch purge removes a closed dispute past retention)'); END;

        CREATE TABLE purged_counts (
            raised_quarter TEXT NOT NULL,     -- e.g. 2019Q2 (UTC)
            closed_quarter TEXT NOT NULL,
            policy         TEXT NOT NULL,
            kind           TEXT NOT NULL,
            category       TEXT NOT NULL,
            type           TEXT NOT NULL,
            team           TEXT NOT NULL,     -- '' when none
            highest_stage  INTEGER NOT NULL,
            outcome        TEXT NOT NULL,     -- resolved, withdrawn
            disputes       INTEGER NOT NULL,
            PRIMARY KEY (raised_quarter, closed_quarter, policy, kind, category, type, team, highest_stage, outcome)
        ) WITHOUT ROWID;

        CREATE TABLE retention_log (
            id          INTEGER PRIMARY KEY,
            at          INTEGER NOT NULL,     -- ms since 1970 UTC: when it ran
            what        TEXT NOT NULL CHECK (what IN ('closed-disputes', 'sent-messages')),
            cutoff      INTEGER NOT NULL,     -- removed what closed (or was sent) before this instant
            disputes    INTEGER NOT NULL DEFAULT 0,
            events      INTEGER NOT NULL DEFAULT 0,
            people      INTEGER NOT NULL DEFAULT 0,
            messages    INTEGER NOT NULL DEFAULT 0,
            audit       INTEGER NOT NULL DEFAULT 0,   -- web audit rows naming the removed disputes
            files       INTEGER NOT NULL DEFAULT 0,
            newest      INTEGER,              -- the latest closure (or sending) among what was removed
            by          TEXT NOT NULL         -- 'drwatch purge' or 'daemon'
        );
        CREATE TRIGGER retention_log_no_update BEFORE UPDATE ON retention_log
            BEGIN SELECT RAISE(ABORT, 'the retention log is append-only'); END;
        CREATE TRIGGER retention_log_no_delete BEFORE DELETE ON retention_log
            BEGIN SELECT RAISE(ABORT, 'the retention log is append-only'); END;

        CREATE TABLE daemon_polls (
            id                INTEGER PRIMARY KEY CHECK (id = 1),
            last_completed_at INTEGER,            -- ms since 1970 UTC: the end of the last successful poll
            last_duration_ms  INTEGER,
            last_failed_at    INTEGER,
            polls             INTEGER NOT NULL DEFAULT 0,   -- successful polls since the table was made
            failures          INTEGER NOT NULL DEFAULT 0,
            duration_ms_total INTEGER NOT NULL DEFAULT 0,   -- of the successful polls
            last_purge_at     INTEGER,             -- the daemon's last daily retention run
            last_tz_check_at  INTEGER              -- unused by the store; reserved for the daemon
        );
        INSERT INTO daemon_polls (id) VALUES (1);

        CREATE TABLE notification_counts (
            channel  TEXT PRIMARY KEY,
            enqueued INTEGER NOT NULL DEFAULT 0,
            sent     INTEGER NOT NULL DEFAULT 0,
            failed   INTEGER NOT NULL DEFAULT 0,      -- failed attempts
            parked   INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO notification_counts (channel, enqueued, sent, failed, parked)
            SELECT channel, COUNT(*), SUM(state = 'sent'), SUM(state = 'failed'), SUM(state = 'parked') FROM outbox GROUP BY channel;
        CREATE TRIGGER outbox_counted_insert AFTER INSERT ON outbox BEGIN
            INSERT INTO notification_counts (channel, enqueued) VALUES (NEW.channel, 1)
                ON CONFLICT (channel) DO UPDATE SET enqueued = enqueued + 1;
        END;
        CREATE TRIGGER outbox_counted_state AFTER UPDATE OF state, attempts ON outbox
            WHEN NEW.state IN ('sent', 'failed', 'parked') AND (NEW.state IS NOT OLD.state OR NEW.state = 'failed') BEGIN
            INSERT INTO notification_counts (channel) VALUES (NEW.channel) ON CONFLICT (channel) DO NOTHING;
            UPDATE notification_counts SET
                sent = sent + (NEW.state = 'sent'), failed = failed + (NEW.state = 'failed'), parked = parked + (NEW.state = 'parked')
                WHERE channel = NEW.channel;
        END;
        """)
}
