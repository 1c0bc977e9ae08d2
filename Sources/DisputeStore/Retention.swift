import Foundation

/// What a purge removed (or, in a dry run, would remove).
public struct PurgeSummary: Sendable, Equatable {
    /// Closed disputes whose closure is before this instant are removed.
    public var cutoff: Date
    public var disputes = 0
    public var events = 0
    public var people = 0
    /// Outbox messages of those disputes (any state).
    public var messages = 0
    /// Web audit rows naming those disputes.
    public var auditRows = 0
    /// The latest closure among them.
    public var newestClosure: Date?
    public init(cutoff: Date) { self.cutoff = cutoff }
}

/// One row of `retention_log`.
public struct RetentionLogEntry: Sendable, Equatable {
    public var at: Date
    /// `closed-disputes` or `sent-messages`.
    public var what: String
    public var cutoff: Date
    public var disputes: Int
    public var events: Int
    public var people: Int
    public var messages: Int
    /// Web audit rows naming the removed disputes.
    public var audit: Int
    public var files: Int
    public var newest: Date?
    public var by: String
}

/// Counts of removed disputes kept without references (`purged_counts`).
public struct PurgedCount: Sendable, Equatable {
    public var raisedQuarter: String
    public var closedQuarter: String
    public var policy: String
    public var kind: String
    public var category: String
    public var type: String
    public var team: String
    public var highestStage: Int
    public var outcome: String
    public var disputes: Int
}

extension SQLStore where DB == Database {
    /// The disputes a purge at `cutoff` takes: closed, and closed before `cutoff`.
    private static let purgeable = "SELECT id FROM disputes WHERE is_closed = 1 AND closed_at IS NOT NULL AND closed_at < ?"

    /// What `purge(closedBefore:)` would remove now; writes nothing.
    func sqlitePurgePlan(closedBefore cutoff: Date) throws -> PurgeSummary {
        try withDatabase { db in try db.transaction(.deferred) { try Self.count(cutoff: cutoff, grant: false, in: db) } }
    }

    /// Removes every closed dispute closed before `cutoff`, with its events, people and outbox
    /// messages and the web audit rows naming it, in one transaction; adds them to `purged_counts` (no references) and records
    /// the purge in `retention_log`. Open disputes are never touched.
    ///
    /// - Parameters:
    ///   - cutoff: closures before this instant are past retention.
    ///   - now: when the purge runs (for the log).
    ///   - by: who ran it, for the log (`drwatch purge`, `daemon`).
    /// - Returns: what was removed.
    func sqlitePurge(closedBefore cutoff: Date, now: Date, by: String) throws -> PurgeSummary {
        try withDatabase { db in
            try db.transaction(.immediate) {
                try db.execute("DELETE FROM purge_grant", operation: "purge closed disputes")
                try db.execute("INSERT INTO purge_grant (dispute_id) \(Self.purgeable)", cutoff, operation: "purge closed disputes")
                let summary = try Self.count(cutoff: cutoff, grant: true, in: db)
                if summary.disputes > 0 {
                    let op = "purge closed disputes"
                    func quarter(_ col: String) -> String {
                        "strftime('%Y', \(col) / 1000, 'unixepoch') || 'Q' || ((CAST(strftime('%m', \(col) / 1000, 'unixepoch') AS INTEGER) + 2) / 3)"
                    }
                    try db.execute("""
                        INSERT INTO purged_counts (raised_quarter, closed_quarter, policy, kind, category, type, team, highest_stage, outcome, disputes)
                        SELECT \(quarter("COALESCE(d.created_at, (SELECT MIN(e.at) FROM events e WHERE e.dispute_id = d.id))")),
                               \(quarter("d.closed_at")), d.policy, d.kind, d.category, d.type, COALESCE(d.team, ''),
                               MAX(d.current_stage, COALESCE((SELECT MAX(e.stage) FROM events e WHERE e.dispute_id = d.id), 1)),
                               COALESCE((SELECT e.kind FROM events e WHERE e.dispute_id = d.id AND e.kind IN ('resolved', 'withdrawn')
                                         ORDER BY e.seq DESC LIMIT 1), 'closed'),
                               COUNT(*)
                        FROM disputes d WHERE d.id IN (SELECT dispute_id FROM purge_grant)
                        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
                        ON CONFLICT DO UPDATE SET disputes = disputes + excluded.disputes
                        """, operation: op)
                    try db.execute("DELETE FROM outbox WHERE dispute_ref IN (SELECT ref FROM disputes WHERE id IN (SELECT dispute_id FROM purge_grant))", operation: op)
                    try db.execute("DELETE FROM audit WHERE dispute_ref IN (SELECT ref FROM disputes WHERE id IN (SELECT dispute_id FROM purge_grant))", operation: op)
                    try db.execute("DELETE FROM events WHERE dispute_id IN (SELECT dispute_id FROM purge_grant)", operation: op)
                    try db.execute("DELETE FROM people WHERE dispute_id IN (SELECT dispute_id FROM purge_grant)", operation: op)
                    // Web pause requests (migration 007-web-pause-requests) name the dispute by id.
                    try db.execute("DELETE FROM pause_requests WHERE dispute_id IN (SELECT dispute_id FROM purge_grant)", operation: op)
                    try db.execute("DELETE FROM disputes WHERE id IN (SELECT dispute_id FROM purge_grant)", operation: op)
                }
                try db.execute("DELETE FROM purge_grant", operation: "purge closed disputes")
                try db.execute("""
                    INSERT INTO retention_log (at, what, cutoff, disputes, events, people, messages, audit, newest, by)
                    VALUES (?, 'closed-disputes', ?, ?, ?, ?, ?, ?, ?, ?)
                    """, now, cutoff, summary.disputes, summary.events, summary.people, summary.messages, summary.auditRows,
                    summary.newestClosure, by,
                    operation: "record the purge")
                return summary
            }
        }
    }

    private static func count(cutoff: Date, grant: Bool, in db: Database) throws -> PurgeSummary {
        var s = PurgeSummary(cutoff: cutoff)
        let ids = grant ? "SELECT dispute_id FROM purge_grant" : purgeable
        let args: [any SQLBindable] = grant ? [] : [cutoff]
        let op = "count what a purge removes"
        try db.query("SELECT COUNT(*), MAX(closed_at) FROM disputes WHERE id IN (\(ids))", arguments: args, operation: op) {
            s.disputes = $0.int(0); s.newestClosure = $0.optionalDate(1)
        }
        try db.query("SELECT COUNT(*) FROM events WHERE dispute_id IN (\(ids))", arguments: args, operation: op) { s.events = $0.int(0) }
        try db.query("SELECT COUNT(*) FROM people WHERE dispute_id IN (\(ids))", arguments: args, operation: op) { s.people = $0.int(0) }
        try db.query("SELECT COUNT(*) FROM outbox WHERE dispute_ref IN (SELECT ref FROM disputes WHERE id IN (\(ids)))",
                     arguments: args, operation: op) { s.messages = $0.int(0) }
        try db.query("SELECT COUNT(*) FROM audit WHERE dispute_ref IN (SELECT ref FROM disputes WHERE id IN (\(ids)))",
                     arguments: args, operation: op) { s.auditRows = $0.int(0) }
        return s
    }

    /// The sent messages `pruneSentMessages` removes: sent before `cutoff`, and not of an open
    /// dispute (an open dispute's identities keep a notice from being decided twice).
    private static let prunable = """
        FROM outbox WHERE state = 'sent' AND sent_at < ?
        AND (dispute_ref IS NULL OR NOT EXISTS (SELECT 1 FROM disputes d WHERE d.ref = outbox.dispute_ref AND d.is_closed = 0))
        """

    /// How many sent messages `pruneSentMessages(sentBefore:)` would remove after a purge at
    /// `closedBefore` (whose disputes' messages go with them, so are not counted twice).
    func sqlitePrunableSentMessages(sentBefore cutoff: Date, afterPurgeBefore closedBefore: Date) throws -> Int {
        try withDatabase { db in
            try db.first("""
                SELECT COUNT(*) \(Self.prunable)
                AND (dispute_ref IS NULL OR dispute_ref NOT IN (SELECT ref FROM disputes WHERE id IN (\(Self.purgeable))))
                """, cutoff, closedBefore, operation: "count sent messages") { $0.int(0) } ?? 0
        }
    }

    /// Removes outbox messages sent before `cutoff` (never one of an open dispute, never one
    /// not yet sent), and records it in `retention_log` with `files` (the file transport's
    /// files removed by the caller).
    ///
    /// - Returns: how many messages were removed.
    @discardableResult
    func sqlitePruneSentMessages(sentBefore cutoff: Date, files: Int, now: Date, by: String) throws -> Int {
        try withDatabase { db in
            try db.transaction(.immediate) {
                let newest = try db.first("SELECT MAX(sent_at) \(Self.prunable)", cutoff, operation: "prune sent messages") { $0.optionalDate(0) } ?? nil
                let removed = try db.execute("DELETE \(Self.prunable)", cutoff, operation: "prune sent messages")
                try db.execute("""
                    INSERT INTO retention_log (at, what, cutoff, messages, files, newest, by) VALUES (?, 'sent-messages', ?, ?, ?, ?, ?)
                    """, now, cutoff, removed, files, newest, by, operation: "record the pruning")
                return removed
            }
        }
    }

    /// Every purge and pruning, oldest first.
    func sqliteRetentionLog() throws -> [RetentionLogEntry] {
        try withDatabase { db in
            var out: [RetentionLogEntry] = []
            try db.query("SELECT at, what, cutoff, disputes, events, people, messages, audit, files, newest, by FROM retention_log ORDER BY id",
                         operation: "read the retention log") { r in
                out.append(RetentionLogEntry(at: r.date(0), what: r.string(1), cutoff: r.date(2), disputes: r.int(3), events: r.int(4),
                                             people: r.int(5), messages: r.int(6), audit: r.int(7), files: r.int(8), newest: r.optionalDate(9),
                                             by: r.string(10)))
            }
            return out
        }
    }

    /// The counts kept of purged disputes.
    func sqlitePurgedCounts() throws -> [PurgedCount] {
        try withDatabase { db in
            var out: [PurgedCount] = []
            try db.query("""
                SELECT raised_quarter, closed_quarter, policy, kind, category, type, team, highest_stage, outcome, disputes
                FROM purged_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
                """, operation: "read purged counts") { r in
                out.append(PurgedCount(raisedQuarter: r.string(0), closedQuarter: r.string(1), policy: r.string(2), kind: r.string(3),
                                       category: r.string(4), type: r.string(5), team: r.string(6), highestStage: r.int(7),
                                       outcome: r.string(8), disputes: r.int(9)))
            }
            return out
        }
    }
}
