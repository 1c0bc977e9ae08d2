import DisputeCore
import Foundation
import WorkingDays

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

/// Counts of removed disputes kept without references (`purged_counts`). The quarters are
/// Europe/London calendar quarters (`2019Q2`), as reports count them.
public struct PurgedCount: Sendable, Hashable {
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
    public init(raisedQuarter: String, closedQuarter: String, policy: String, kind: String, category: String, type: String,
                team: String, highestStage: Int, outcome: String, disputes: Int) {
        self.raisedQuarter = raisedQuarter; self.closedQuarter = closedQuarter; self.policy = policy; self.kind = kind
        self.category = category; self.type = type; self.team = team; self.highestStage = highestStage; self.outcome = outcome
        self.disputes = disputes
    }

    /// The Europe/London calendar quarter of an instant, e.g. `2019Q2`.
    public static func quarter(of instant: Date) -> String {
        let day = CivilTime.london.localDate(of: instant)
        return "\(day.year)Q\((day.month - 1) / 3 + 1)"
    }
}

extension SQLStore {
    /// The disputes a purge at `cutoff` takes: closed, and closed before `cutoff`.
    private static var purgeable: String { "SELECT id FROM disputes WHERE is_closed = 1 AND closed_at IS NOT NULL AND closed_at < ?" }

    /// What `purge(closedBefore:)` would remove now; writes nothing.
    public func purgePlan(closedBefore cutoff: Date) throws -> PurgeSummary {
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
    public func purge(closedBefore cutoff: Date, now: Date, by: String) throws -> PurgeSummary {
        try withDatabase { db in
            try db.transaction(.immediate) {
                try db.execute("DELETE FROM purge_grant", operation: "purge closed disputes")
                try db.execute("INSERT INTO purge_grant (dispute_id) \(Self.purgeable)", cutoff, operation: "purge closed disputes")
                let summary = try Self.count(cutoff: cutoff, grant: true, in: db)
                if summary.disputes > 0 {
                    let op = "purge closed disputes"
                    try Self.keepCounts(in: db)
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

    /// Adds the granted disputes to `purged_counts`: one row read per dispute (when raised and
    /// closed, what it was, the highest stage it reached, how it ended), counted here by London
    /// quarter (SQL has no time zones on SQLite), then added with the same SQL on every backend.
    private static func keepCounts(in db: DB) throws {
        let op = "keep the counts of purged disputes"
        var counts: [PurgedCount: Int] = [:]
        try db.query("""
            SELECT COALESCE(d.created_at, (SELECT MIN(e.at) FROM events e WHERE e.dispute_id = d.id)), d.closed_at,
                   d.policy, d.kind, d.category, d.type, COALESCE(d.team, ''),
                   COALESCE((SELECT MAX(e.stage) FROM events e WHERE e.dispute_id = d.id AND e.stage > d.current_stage), d.current_stage),
                   COALESCE((SELECT e.kind FROM events e WHERE e.dispute_id = d.id AND e.kind IN ('resolved', 'withdrawn')
                             ORDER BY e.seq DESC LIMIT 1), 'closed')
            FROM disputes d WHERE d.id IN (SELECT dispute_id FROM purge_grant)
            """, operation: op) { r in
            let key = PurgedCount(raisedQuarter: PurgedCount.quarter(of: r.date(0)), closedQuarter: PurgedCount.quarter(of: r.date(1)),
                                  policy: r.string(2), kind: r.string(3), category: r.string(4), type: r.string(5), team: r.string(6),
                                  highestStage: r.int(7), outcome: r.string(8), disputes: 0)
            counts[key, default: 0] += 1
        }
        for (k, n) in counts {
            try db.execute("""
                INSERT INTO purged_counts (raised_quarter, closed_quarter, policy, kind, category, type, team, highest_stage, outcome, disputes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (raised_quarter, closed_quarter, policy, kind, category, type, team, highest_stage, outcome)
                DO UPDATE SET disputes = purged_counts.disputes + excluded.disputes
                """, k.raisedQuarter, k.closedQuarter, k.policy, k.kind, k.category, k.type, k.team, k.highestStage, k.outcome, n,
                operation: op)
        }
    }

    private static func count(cutoff: Date, grant: Bool, in db: DB) throws -> PurgeSummary {
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
    private static var prunable: String {
        """
        FROM outbox WHERE state = 'sent' AND sent_at < ?
        AND (dispute_ref IS NULL OR NOT EXISTS (SELECT 1 FROM disputes d WHERE d.ref = outbox.dispute_ref AND d.is_closed = 0))
        """
    }

    /// How many sent messages `pruneSentMessages(sentBefore:)` would remove after a purge at
    /// `closedBefore` (whose disputes' messages go with them, so are not counted twice).
    public func prunableSentMessages(sentBefore cutoff: Date, afterPurgeBefore closedBefore: Date) throws -> Int {
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
    public func pruneSentMessages(sentBefore cutoff: Date, files: Int, now: Date, by: String) throws -> Int {
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
    public func retentionLog() throws -> [RetentionLogEntry] {
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
    public func purgedCounts() throws -> [PurgedCount] {
        try withDatabase { db in try Self.purgedCounts(in: db) }
    }

    public func reportRecords() throws -> (disputes: [Dispute], purged: [PurgedRecords]) {
        try withDatabase { db in
            try db.transaction(.deferred) {
                let disputes = try SQLTransaction(db: db).disputes(openOnly: false)
                let purged = try Self.purgedCounts(in: db).compactMap {
                    PurgedRecords(raisedQuarter: $0.raisedQuarter, closedQuarter: $0.closedQuarter, policy: $0.policy, kind: $0.kind,
                                  category: $0.category, type: $0.type, team: $0.team, highestStage: $0.highestStage,
                                  outcome: $0.outcome, count: $0.disputes)
                }
                return (disputes, purged)
            }
        }
    }

    private static func purgedCounts(in db: DB) throws -> [PurgedCount] {
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
