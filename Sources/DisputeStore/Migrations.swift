import Foundation

/// One named step of the schema. A migration that has shipped is never edited or removed:
/// change the schema by appending a new one at the end of `Migrations.all`.
struct Migration: Sendable {
    let name: String
    let sql: String
}

/// The schema of the store, as the ordered list of every migration ever shipped.
///
/// Applied migrations are recorded by name in `schema_migrations`, and `PRAGMA user_version`
/// holds how many have been applied (so `sqlite3 FILE 'PRAGMA user_version'` tells an admin
/// the schema level). A database with a higher version, or a migration name this binary does
/// not know, was written by a newer drwatch and is refused: never "upgraded" downwards.
enum Migrations {
    static let all: [Migration] = [
        Migration(name: "001-disputes-events-people-outbox", sql: """
            CREATE TABLE disputes (
                id               INTEGER PRIMARY KEY,
                ref              TEXT NOT NULL UNIQUE,
                policy           TEXT NOT NULL,
                kind             TEXT NOT NULL,
                category         TEXT NOT NULL,
                type             TEXT NOT NULL,
                division         TEXT NOT NULL,
                child_ref        TEXT NOT NULL,
                team             TEXT,
                raised_by_role   TEXT NOT NULL,
                raised_by_email  TEXT NOT NULL,
                created_at       INTEGER,            -- ms since 1970 UTC: the first event's time
                -- Denormalised from the events (derived, never edited by hand) for fast queries:
                current_stage    INTEGER NOT NULL DEFAULT 1,
                is_paused        INTEGER NOT NULL DEFAULT 0,
                is_closed        INTEGER NOT NULL DEFAULT 0,
                closed_at        INTEGER
            );
            CREATE INDEX disputes_open ON disputes(id) WHERE is_closed = 0;
            CREATE INDEX disputes_child ON disputes(child_ref);

            -- Append-only history: every change to a dispute, with who, when and why.
            CREATE TABLE events (
                dispute_id     INTEGER NOT NULL REFERENCES disputes(id),
                seq            INTEGER NOT NULL,     -- 1, 2, 3... per dispute, in recorded order
                kind           TEXT NOT NULL,        -- DisputeEvent.Change.name
                at             INTEGER NOT NULL,     -- ms since 1970 UTC
                by_role        TEXT,
                by_email       TEXT,
                stage          INTEGER,              -- opened: the stage; escalated: the new stage
                reason         TEXT,                 -- escalated, paused, withdrawn
                outcome        TEXT,                 -- resolved
                note           TEXT,                 -- note
                working_days   INTEGER,              -- extended
                approver_role  TEXT,                 -- paused: approved by; extended: agreed by
                approver_email TEXT,
                PRIMARY KEY (dispute_id, seq)
            ) WITHOUT ROWID;
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

            -- The people who fill a role for one dispute (its Team Manager, its IRO...).
            CREATE TABLE people (
                dispute_id INTEGER NOT NULL REFERENCES disputes(id),
                role       TEXT NOT NULL,
                position   INTEGER NOT NULL,          -- order of the addresses within the role
                address    TEXT NOT NULL,
                PRIMARY KEY (dispute_id, role, address)
            ) WITHOUT ROWID;

            -- Notifications to deliver; the unique identity makes enqueueing idempotent, and the
            -- rows (kept after sending) are the log of what was decided and sent.
            CREATE TABLE outbox (
                id              INTEGER PRIMARY KEY,
                identity        TEXT NOT NULL UNIQUE,
                dispute_ref     TEXT,
                event           TEXT NOT NULL,
                urgency         TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
                channel         TEXT NOT NULL,
                subject         TEXT NOT NULL,
                body            TEXT NOT NULL,
                html            TEXT,
                payload         BLOB,
                state           TEXT NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'failed', 'parked', 'sent')),
                attempts        INTEGER NOT NULL DEFAULT 0,   -- failed attempts since (re)queued
                next_attempt_at INTEGER NOT NULL,
                last_error      TEXT,
                created_at      INTEGER NOT NULL,
                sent_at         INTEGER
            );
            CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state IN ('pending', 'failed');
            CREATE INDEX outbox_state ON outbox(state);

            -- Delivery state per recipient, so that a retry never re-sends to those who have it.
            CREATE TABLE outbox_recipients (
                outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
                position  INTEGER NOT NULL,
                address   TEXT NOT NULL,
                state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
                sent_at   INTEGER,
                PRIMARY KEY (outbox_id, address)
            ) WITHOUT ROWID;
            """),
        // The engine's model gained three per-dispute fields that change its deadlines: the subject
        // row of a timescale table, "the concern is about the stage owner", and the reason for
        // raising above the first step. NULL/0 for disputes recorded before.
        Migration(name: "002-dispute-subject-concerns-owner-opening-reason", sql: """
            ALTER TABLE disputes ADD COLUMN subject TEXT;
            ALTER TABLE disputes ADD COLUMN concerns_owner INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE disputes ADD COLUMN opening_reason TEXT;
            """),
        // Change tracking for readers that keep the open disputes in memory (the daemon's poller):
        // `store_changes.seq` counts every change to a dispute, its events or its people, and each
        // dispute row keeps the count of its last change in `change_seq`, so a reader asks only
        // for `change_seq > (the seq it last saw)`. Triggers keep both, whoever writes (this
        // drwatch, the command line, an import, a hand edit). Deleting a dispute row bumps
        // `epoch`: readers then reload everything. The UPDATE trigger fires for any column but
        // `change_seq`, so columns added by later migrations are covered. An index on the outbox
        // by case reference lets such a reader read the open disputes' identities without the bodies.
        Migration(name: "003-change-tracking", sql: """
            CREATE TABLE store_changes (
                id    INTEGER PRIMARY KEY CHECK (id = 1),
                epoch INTEGER NOT NULL,
                seq   INTEGER NOT NULL
            );
            INSERT INTO store_changes (id, epoch, seq) VALUES (1, 0, 0);
            ALTER TABLE disputes ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX disputes_changed ON disputes(change_seq);
            -- The outbox identities of the open disputes, read from the index alone.
            CREATE INDEX outbox_ref_identity ON outbox(dispute_ref, identity);
            CREATE TRIGGER disputes_changed_insert AFTER INSERT ON disputes BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id = NEW.id;
            END;
            CREATE TRIGGER disputes_changed_update AFTER UPDATE ON disputes WHEN NEW.change_seq IS OLD.change_seq BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id = NEW.id;
            END;
            CREATE TRIGGER disputes_changed_delete AFTER DELETE ON disputes BEGIN
                UPDATE store_changes SET epoch = epoch + 1, seq = seq + 1;
            END;
            CREATE TRIGGER events_changed_insert AFTER INSERT ON events BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id = NEW.dispute_id;
            END;
            CREATE TRIGGER people_changed_insert AFTER INSERT ON people BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id = NEW.dispute_id;
            END;
            CREATE TRIGGER people_changed_update AFTER UPDATE ON people BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id IN (OLD.dispute_id, NEW.dispute_id);
            END;
            CREATE TRIGGER people_changed_delete AFTER DELETE ON people BEGIN
                UPDATE store_changes SET seq = seq + 1;
                UPDATE disputes SET change_seq = (SELECT seq FROM store_changes) WHERE id = OLD.dispute_id;
            END;
            """),
        // Where each event came from, so that events recorded in drwatch (the command line, the
        // web) and events read from a case-management export live side by side: `source` is
        // `cli`, `web` or `import:FILE` (NULL for events recorded before this migration: the
        // append-only triggers forbid filling it in), and `event_id` is the export's own id of
        // the event when it has one, unique per dispute, so a repeated import skips it.
        Migration(name: "004-event-source-and-export-id", sql: """
            ALTER TABLE events ADD COLUMN source TEXT;
            ALTER TABLE events ADD COLUMN event_id TEXT;
            CREATE UNIQUE INDEX events_export_id ON events(dispute_id, event_id) WHERE event_id IS NOT NULL;
            """),
        // The staff web app (Sources/Web): sessions and one-time sign-in links live here, not in a
        // process's memory, so any number of web instances can serve behind a load balancer; both
        // keep only a SHA-256 of the secret (a stolen copy of the database signs nobody in). The
        // audit trail is append-only like `events`. Two indexes find the disputes that name a person.
        Migration(name: "005-web-sessions-signin-audit", sql: """
            CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,          -- hex SHA-256 of the cookie's value
                email      TEXT NOT NULL,
                csrf       TEXT NOT NULL,             -- the session's form token
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                ended_at   INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
            CREATE TABLE web_signin_links (
                token_hash TEXT PRIMARY KEY,          -- hex SHA-256 of the emailed token
                email      TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_at    INTEGER,
                next_path  TEXT                       -- a site-internal path to go to after signing in
            ) WITHOUT ROWID;
            CREATE INDEX web_signin_links_email ON web_signin_links(email, created_at);
            CREATE TABLE audit (
                id          INTEGER PRIMARY KEY,
                at          INTEGER NOT NULL,
                actor       TEXT,                     -- the signed-in email, or NULL
                action      TEXT NOT NULL,            -- sign-in-requested, signed-in, escalate, ...
                dispute_ref TEXT,
                outcome     TEXT NOT NULL,            -- done, refused, denied
                detail      TEXT
            );
            CREATE INDEX audit_ref ON audit(dispute_ref, id);
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            CREATE INDEX people_address ON people(address, dispute_id);
            CREATE INDEX disputes_raised_by_email ON disputes(raised_by_email);
            """),
        // Single sign-on (Sources/OIDC): one row per sign-in started with the identity provider,
        // kept server-side so the callback can check state, nonce and PKCE verifier and use them
        // once. The state and the browser binding are stored as hex SHA-256 only. A session
        // started by single sign-on keeps the roles the person's directory groups give
        // (`[web.oidc.groups]`), comma-separated, read at sign-in.
        Migration(name: "006-oidc-sign-ins", sql: """
            ALTER TABLE web_sessions ADD COLUMN directory_roles TEXT;
            CREATE TABLE oidc_sign_ins (
                state_hash    TEXT PRIMARY KEY,      -- hex SHA-256 of the state sent to the provider
                browser_hash  TEXT NOT NULL,         -- hex SHA-256 of the browser's binding cookie
                nonce         TEXT NOT NULL,
                code_verifier TEXT NOT NULL,         -- PKCE; emptied once used
                next_path     TEXT,                  -- a site-internal path to go to after signing in
                created_at    INTEGER NOT NULL,
                expires_at    INTEGER NOT NULL,
                used_at       INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX oidc_sign_ins_expiry ON oidc_sign_ins(expires_at);
            """),
        // A pause asked for from the web by someone the policy does not let pause (issue 13). Only
        // the request and its refusal live here: its approval is the dispute's own `paused`
        // event, recorded through the Recorder with the approver as actor, so a request is
        // approved exactly when the dispute has a pause at or after it (never a second copy of
        // that fact). The engine knows nothing of requests: they change no deadline.
        Migration(name: "007-web-pause-requests", sql: """
            CREATE TABLE pause_requests (
                id              INTEGER PRIMARY KEY,
                dispute_id      INTEGER NOT NULL REFERENCES disputes(id),
                requested_at    INTEGER NOT NULL,
                requested_by    TEXT NOT NULL,        -- the signed-in email
                requested_role  TEXT NOT NULL,        -- the role they asked in
                reason          TEXT NOT NULL,
                declined_at     INTEGER,
                declined_by     TEXT,
                decline_reason  TEXT
            );
            CREATE INDEX pause_requests_dispute ON pause_requests(dispute_id, id);
            CREATE INDEX pause_requests_undeclined ON pause_requests(declined_at, id);
            """),
        // The child's status as the initiator limits read it (six-stage DRP: IROs up to stage 5 for
        // a child on a child protection or child in need plan): `cp-cin`, `other`, NULL when not
        // recorded (disputes recorded before).
        Migration(name: "008-dispute-child-status", sql: """
            ALTER TABLE disputes ADD COLUMN child_status TEXT;
            """),
        retention,
        // Append new migrations here. Never edit one above.
    ]

    /// Refuses a database written by a newer drwatch.
    ///
    /// - Throws: `StoreError.Code.schemaTooNew` naming both schema levels.
    static func checkNotTooNew(_ db: Database) throws {
        let version = try db.first("PRAGMA user_version", operation: "read the schema version") { $0.int(0) } ?? 0
        var unknown = 0
        let hasTable = try db.first("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                                    operation: "read the schema version") { _ in true } ?? false
        if hasTable {
            let known = Set(all.map(\.name))
            try db.query("SELECT name FROM schema_migrations", operation: "read the schema version") { row in
                if !known.contains(row.string(0)) { unknown += 1 }
            }
        }
        if version > all.count || unknown > 0 {
            throw StoreError(.schemaTooNew, operation: "open the database at \(db.path)",
                             message: "its schema (version \(version)) is newer than this drwatch knows (version \(all.count)); "
                                + "upgrade drwatch, or restore a backup made for this version — the database was left untouched")
        }
    }

    /// The names of the migrations this binary knows that the database has not applied yet.
    static func pending(_ db: Database) throws -> [String] {
        let hasTable = try db.first("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                                    operation: "read the schema version") { _ in true } ?? false
        guard hasTable else { return all.map(\.name) }
        var applied = Set<String>()
        try db.query("SELECT name FROM schema_migrations", operation: "read applied migrations") { applied.insert($0.string(0)) }
        return all.map(\.name).filter { !applied.contains($0) }
    }

    /// Applies every migration not yet recorded, in one immediate transaction, after checking
    /// that the database is not newer than this binary.
    ///
    /// - Parameter only: apply only these (`copy-store` brings a target to its source's schema).
    /// - Returns: the names of the migrations applied (empty when up to date).
    @discardableResult
    static func migrate(_ db: Database, only: Set<String>? = nil) throws -> [String] {
        try db.transaction(.immediate) {
            try checkNotTooNew(db)
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       TEXT PRIMARY KEY,
                    applied_at INTEGER NOT NULL
                )
                """, operation: "create the migrations table")
            var applied = Set<String>()
            try db.query("SELECT name FROM schema_migrations", operation: "read applied migrations") { applied.insert($0.string(0)) }
            var done: [String] = []
            for (index, migration) in all.enumerated() where !applied.contains(migration.name) && only?.contains(migration.name) != false {
                try db.executeScript(migration.sql, operation: "apply migration \(migration.name)")
                try db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                               migration.name, Date(), operation: "record migration \(migration.name)")
                try db.executeScript("PRAGMA user_version = \(index + 1)", operation: "record the schema version")
                done.append(migration.name)
            }
            return done
        }
    }
}
