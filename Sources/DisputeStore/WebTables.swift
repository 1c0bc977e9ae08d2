import DisputeCore
import Foundation

// What the staff web app keeps in the store (migration 004): sessions, one-time sign-in links
// and the audit trail, plus the reads that find the disputes naming a person. Secrets are never
// stored: callers pass the hex SHA-256 of a session cookie or a sign-in token.

/// A signed-in session as stored.
public struct WebSessionRow: Sendable, Equatable {
    public var email: String
    /// The session's form (CSRF) token.
    public var csrf: String
    public var createdAt: Date
    public var expiresAt: Date
    /// Roles from the person's directory groups when single sign-on started the session
    /// (`[web.oidc.groups]`, migration 006); empty otherwise.
    public var directoryRoles: [String] = []
}

/// One line of the audit trail.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String?
    public var action: String
    public var ref: String?
    /// `done`, `refused` (the policy said no) or `denied` (not allowed to see or act).
    public var outcome: String
    public var detail: String?
    public init(id: Int64 = 0, at: Date, actor: String?, action: String, ref: String?, outcome: String, detail: String?) {
        self.id = id; self.at = at; self.actor = actor; self.action = action; self.ref = ref; self.outcome = outcome; self.detail = detail
    }
}

/// The store of the web app's sessions, sign-in links and audit trail (SQLite today; the same
/// protocol for PostgreSQL later, so several web instances share them).
public protocol WebSessionStore: Sendable {
    /// Records a sign-in link (by the hash of its token).
    func addSignInLink(tokenHash: String, email: String, createdAt: Date, expiresAt: Date, nextPath: String?) throws
    /// How many sign-in links were made for `email` since `since` (rate limit).
    func signInLinkCount(email: String, since: Date) throws -> Int
    /// Marks the link used and returns its email and next path, or `nil` when it is unknown,
    /// used or expired. Atomic: two redemptions of one link never both succeed.
    func redeemSignInLink(tokenHash: String, now: Date) throws -> (email: String, nextPath: String?)?
    /// - Parameter directoryRoles: roles from single sign-on's directory groups, kept for the session.
    func addSession(tokenHash: String, email: String, csrf: String, createdAt: Date, expiresAt: Date, directoryRoles: [String]) throws
    /// The live session (not ended, not expired), or `nil`.
    func session(tokenHash: String, now: Date) throws -> WebSessionRow?
    func endSession(tokenHash: String, now: Date) throws
    func appendAudit(_ entry: AuditEntry) throws
    /// The audit lines of one dispute, oldest first (`ref` nil: the last `limit` lines of all).
    func audit(ref: String?, limit: Int) throws -> [AuditEntry]
}

extension SQLStore: WebSessionStore {
    public func addSignInLink(tokenHash: String, email: String, createdAt: Date, expiresAt: Date, nextPath: String?) throws {
        try withDatabase { db in
            try db.transaction(.immediate) {
                _ = try db.execute("DELETE FROM web_signin_links WHERE expires_at < ?", createdAt.addingTimeInterval(-86_400),
                                   operation: "expire sign-in links")
                _ = try db.execute("""
                    INSERT INTO web_signin_links (token_hash, email, created_at, expires_at, next_path) VALUES (?, ?, ?, ?, ?)
                    """, tokenHash, email, createdAt, expiresAt, nextPath, operation: "add a sign-in link")
            }
        }
    }

    public func signInLinkCount(email: String, since: Date) throws -> Int {
        try withDatabase { db in
            try db.first("SELECT count(*) FROM web_signin_links WHERE email = ? AND created_at >= ?", email, since,
                         operation: "count sign-in links") { $0.int(0) } ?? 0
        }
    }

    public func redeemSignInLink(tokenHash: String, now: Date) throws -> (email: String, nextPath: String?)? {
        try withDatabase { db in
            try db.transaction(.immediate) {
                try db.first("""
                    UPDATE web_signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                    RETURNING email, next_path
                    """, now, tokenHash, now, operation: "use a sign-in link") { ($0.string(0), $0.optionalString(1)) }
            }
        }
    }

    public func addSession(tokenHash: String, email: String, csrf: String, createdAt: Date, expiresAt: Date,
                           directoryRoles: [String] = []) throws {
        try withDatabase { db in
            try db.transaction(.immediate) {
                _ = try db.execute("DELETE FROM web_sessions WHERE expires_at < ?", createdAt.addingTimeInterval(-86_400),
                                   operation: "expire sessions")
                _ = try db.execute("""
                    INSERT INTO web_sessions (token_hash, email, csrf, created_at, expires_at, directory_roles) VALUES (?, ?, ?, ?, ?, ?)
                    """, tokenHash, email, csrf, createdAt, expiresAt,
                    directoryRoles.isEmpty ? nil : directoryRoles.joined(separator: ","), operation: "add a session")
            }
        }
    }

    public func session(tokenHash: String, now: Date) throws -> WebSessionRow? {
        try withDatabase { db in
            try db.first("""
                SELECT email, csrf, created_at, expires_at, directory_roles FROM web_sessions
                WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?
                """, tokenHash, now, operation: "read a session") {
                WebSessionRow(email: $0.string(0), csrf: $0.string(1), createdAt: $0.date(2), expiresAt: $0.date(3),
                              directoryRoles: ($0.optionalString(4) ?? "").split(separator: ",").map(String.init))
            }
        }
    }

    public func endSession(tokenHash: String, now: Date) throws {
        try withDatabase { db in
            _ = try db.execute("UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL", now, tokenHash,
                               operation: "end a session")
        }
    }

    public func appendAudit(_ e: AuditEntry) throws {
        try withDatabase { db in
            _ = try db.execute("INSERT INTO audit (at, actor, action, dispute_ref, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                               e.at, e.actor, e.action, e.ref, e.outcome, e.detail, operation: "append to the audit trail")
        }
    }

    public func audit(ref: String?, limit: Int) throws -> [AuditEntry] {
        var out: [AuditEntry] = []
        try withDatabase { db in
            let sql = "SELECT id, at, actor, action, dispute_ref, outcome, detail FROM audit "
                + (ref == nil ? "ORDER BY id DESC LIMIT ?" : "WHERE dispute_ref = ? ORDER BY id DESC LIMIT ?")
            let args: [any SQLBindable] = ref.map { [$0, limit] } ?? [limit]
            try db.query(sql, arguments: args, operation: "read the audit trail") { r in
                out.append(AuditEntry(id: r.int64(0), at: r.date(1), actor: r.optionalString(2), action: r.string(3),
                                      ref: r.optionalString(4), outcome: r.string(5), detail: r.optionalString(6)))
            }
        }
        return out.reversed()
    }
}

extension SQLStore: WebDisputeQueries {
    /// The disputes (open and closed) that name `email`: raised by it, or listing it among their
    /// people; at most `limit`, newest first.
    public func disputes(naming email: String, limit: Int) throws -> [DisputeRecord] {
        try withDatabase { db in
            try db.transaction(.deferred) {
                var interner = StringInterner(enabled: false)
                return try DisputeLoader.records(where: """
                    d.id IN (SELECT id FROM (SELECT id FROM disputes WHERE raised_by_email = ?1
                             UNION SELECT dispute_id FROM people WHERE address = ?1) AS named ORDER BY id DESC LIMIT ?2)
                    """, arguments: [email, limit], people: true, interner: &interner, in: db)
            }
        }
    }

    /// Open disputes with no person of their own in one of `roles` (so their messages for those
    /// roles go to the config's `[roles]` addresses); at most `limit`, oldest first.
    public func openDisputes(routedToConfigRoles roles: [String], limit: Int) throws -> [DisputeRecord] {
        guard !roles.isEmpty else { return [] }
        let placeholders = roles.indices.map { _ in "?" }.joined(separator: ", ")
        return try withDatabase { db in
            try db.transaction(.deferred) {
                var args: [any SQLBindable] = roles
                args.append(limit)
                var interner = StringInterner(enabled: false)
                // `placeholders` is only "?, ?..." (never data); the roles are bound.
                return try DisputeLoader.records(where: """
                    d.id IN (SELECT id FROM disputes WHERE is_closed = 0 AND id NOT IN
                             (SELECT dispute_id FROM people WHERE role IN (\(placeholders))) ORDER BY id LIMIT ?)
                    """, arguments: args, people: true, interner: &interner, in: db)
            }
        }
    }

    /// Open disputes, filtered by exact team, policy (either nil: any); at most `limit`.
    public func openDisputes(team: String?, policy: String?, limit: Int) throws -> [DisputeRecord] {
        try withDatabase { db in
            try db.transaction(.deferred) {
                var interner = StringInterner(enabled: false)
                return try DisputeLoader.records(where: """
                    d.id IN (SELECT id FROM disputes WHERE is_closed = 0 AND (?1 IS NULL OR team = ?1)
                             AND (?2 IS NULL OR policy = ?2) ORDER BY id LIMIT ?3)
                    """, arguments: [team, policy, limit], people: true, interner: &interner, in: db)
            }
        }
    }

    /// The store id of a dispute (the opaque number in the web app's addresses), or `nil`.
    public func disputeID(ref: String) throws -> Int64? {
        try withDatabase { db in try db.first("SELECT id FROM disputes WHERE ref = ?", ref, operation: "find a dispute") { $0.int64(0) } }
    }

    /// The dispute with store id `id`, or `nil`.
    public func dispute(id: Int64) throws -> Dispute? {
        try withDatabase { db in
            try db.transaction(.deferred) { try DisputeLoader.load(where: "d.id = ?", id, in: db).first }
        }
    }

    /// The store ids of these references (unknown ones are left out).
    public func disputeIDs(refs: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        try withDatabase { db in
            for ref in refs { if let id = try db.first("SELECT id FROM disputes WHERE ref = ?", ref, operation: "find a dispute", map: { $0.int64(0) }) { out[ref] = id } }
        }
        return out
    }

    /// The distinct teams of open disputes, sorted (the overview's filter).
    public func openTeams() throws -> [String] {
        var out: [String] = []
        try withDatabase { db in
            try db.query("SELECT DISTINCT team FROM disputes WHERE is_closed = 0 AND team IS NOT NULL ORDER BY team",
                         operation: "list teams") { out.append($0.string(0)) }
        }
        return out
    }

    /// The outbox messages of one dispute, oldest first.
    public func outbox(ref: String) throws -> [OutboxEntry] {
        try withDatabase { db in
            try db.transaction(.deferred) { try OutboxTable.load("SELECT \(OutboxTable.selection) FROM outbox o WHERE o.dispute_ref = ? ORDER BY o.id", ref, in: db) }
        }
    }
}
