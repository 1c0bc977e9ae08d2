import Foundation

/// What the daemon has recorded of its polls (`daemon_polls`).
public struct PollRecord: Sendable, Equatable {
    /// When the last successful poll ended (`nil`: never).
    public var lastCompletedAt: Date?
    public var lastDurationMs: Int?
    public var lastFailedAt: Date?
    /// Successful polls and failed ones, counted since the database was upgraded to record them.
    public var polls: Int
    public var failures: Int
    /// The summed duration of the successful polls.
    public var durationMsTotal: Int
    /// The daemon's last daily retention run.
    public var lastPurgeAt: Date?
    public init(lastCompletedAt: Date? = nil, lastDurationMs: Int? = nil, lastFailedAt: Date? = nil, polls: Int = 0,
                failures: Int = 0, durationMsTotal: Int = 0, lastPurgeAt: Date? = nil) {
        self.lastCompletedAt = lastCompletedAt; self.lastDurationMs = lastDurationMs; self.lastFailedAt = lastFailedAt
        self.polls = polls; self.failures = failures; self.durationMsTotal = durationMsTotal; self.lastPurgeAt = lastPurgeAt
    }
}

/// Outbox figures for monitoring.
public struct OutboxHealth: Sendable, Equatable {
    public var pending = 0
    public var failed = 0
    public var parked = 0
    /// When the oldest message not yet sent (pending or failed) was enqueued.
    public var oldestUnsentAt: Date?
    public init() {}
}

/// Notifications of one channel, counted since the database was upgraded to count them
/// (never lowered by pruning or purging).
public struct NotificationCount: Sendable, Equatable {
    public var channel: String
    public var enqueued: Int
    public var sent: Int
    /// Failed delivery attempts.
    public var failed: Int
    public var parked: Int
    public init(channel: String, enqueued: Int, sent: Int, failed: Int, parked: Int) {
        self.channel = channel; self.enqueued = enqueued; self.sent = sent; self.failed = failed; self.parked = parked
    }
}

extension SQLStore {
    /// Records one poll: `succeeded` ending at `at` and taking `durationMs`, or a failure.
    public func recordPoll(at: Date, durationMs: Int, succeeded: Bool) throws {
        _ = try withDatabase { db in
            try db.transaction(.immediate) {
                if succeeded {
                    try db.execute("""
                        UPDATE daemon_polls SET last_completed_at = ?, last_duration_ms = ?, polls = polls + 1,
                            duration_ms_total = duration_ms_total + ? WHERE id = 1
                        """, at, durationMs, durationMs, operation: "record a poll")
                } else {
                    try db.execute("UPDATE daemon_polls SET last_failed_at = ?, failures = failures + 1 WHERE id = 1",
                                   at, operation: "record a failed poll")
                }
            }
        }
    }

    /// Records the daemon's daily retention run.
    public func recordDailyPurge(at: Date) throws {
        _ = try withDatabase { db in
            try db.transaction(.immediate) {
                try db.execute("UPDATE daemon_polls SET last_purge_at = ? WHERE id = 1", at, operation: "record the daily purge")
            }
        }
    }

    /// What the daemon recorded of its polls.
    public func pollRecord() throws -> PollRecord {
        try withDatabase { db in
            try db.transaction(.deferred) {
                try db.first("""
                    SELECT last_completed_at, last_duration_ms, last_failed_at, polls, failures, duration_ms_total, last_purge_at
                    FROM daemon_polls WHERE id = 1
                    """, operation: "read the poll record") { r in
                    PollRecord(lastCompletedAt: r.optionalDate(0), lastDurationMs: r.optionalInt(1), lastFailedAt: r.optionalDate(2),
                               polls: r.int(3), failures: r.int(4), durationMsTotal: r.int(5), lastPurgeAt: r.optionalDate(6))
                } ?? PollRecord()
            }
        }
    }

    /// Counts of pending, failed and parked messages, and the oldest one not yet sent.
    public func outboxHealth() throws -> OutboxHealth {
        try withDatabase { db in
            try db.transaction(.deferred) {
                var h = OutboxHealth()
                try db.query("SELECT state, COUNT(*), MIN(created_at) FROM outbox WHERE state <> 'sent' GROUP BY state",
                             operation: "count the outbox") { r in
                    let n = r.int(1)
                    switch r.string(0) {
                    case "pending": h.pending = n
                    case "failed": h.failed = n
                    case "parked": h.parked = n; return
                    default: return
                    }
                    if let t = r.optionalDate(2), h.oldestUnsentAt.map({ t < $0 }) ?? true { h.oldestUnsentAt = t }
                }
                return h
            }
        }
    }

    /// The notification counters per channel, by channel name.
    public func notificationCounts() throws -> [NotificationCount] {
        try withDatabase { db in
            try db.transaction(.deferred) {
                var out: [NotificationCount] = []
                try db.query("SELECT channel, enqueued, sent, failed, parked FROM notification_counts ORDER BY channel",
                             operation: "read the notification counts") { r in
                    out.append(NotificationCount(channel: r.string(0), enqueued: r.int(1), sent: r.int(2), failed: r.int(3), parked: r.int(4)))
                }
                return out
            }
        }
    }
}
