import Foundation

/// Operations an admin runs on the store: the daemon's poll record, retention and purge, the
/// counters behind `drwatch check` and the metrics, and subject access. SQLite has them; on
/// PostgreSQL they throw `StoreError` `.unsupported` until its migration `009-retention` is written
/// (README "Store").
public protocol OperationsStore {
    func recordPoll(at: Date, durationMs: Int, succeeded: Bool) throws
    func recordDailyPurge(at: Date) throws
    func pollRecord() throws -> PollRecord
    func outboxHealth() throws -> OutboxHealth
    func notificationCounts() throws -> [NotificationCount]
    func purgePlan(closedBefore cutoff: Date) throws -> PurgeSummary
    func purge(closedBefore cutoff: Date, now: Date, by: String) throws -> PurgeSummary
    func prunableSentMessages(sentBefore cutoff: Date, afterPurgeBefore closedBefore: Date) throws -> Int
    func pruneSentMessages(sentBefore cutoff: Date, files: Int, now: Date, by: String) throws -> Int
    func retentionLog() throws -> [RetentionLogEntry]
    func purgedCounts() throws -> [PurgedCount]
    func held(childRef: String?, disputeRef: String?) throws -> [HeldTable]
}

extension SQLStore: OperationsStore {
    /// The SQLite store these operations run on, or `.unsupported`.
    private func sqliteOnly(_ what: String) throws -> SQLiteStore {
        guard let s = self as? SQLiteStore else {
            throw StoreError(.unsupported, operation: what, message: "not yet available on PostgreSQL (its 009-retention migration is not written): use a SQLite store for it")
        }
        return s
    }

    public func recordPoll(at: Date, durationMs: Int, succeeded: Bool) throws {
        try sqliteOnly("recordPoll").sqliteRecordPoll(at: at, durationMs: durationMs, succeeded: succeeded)
    }
    public func recordDailyPurge(at: Date) throws {
        try sqliteOnly("recordDailyPurge").sqliteRecordDailyPurge(at: at)
    }
    public func pollRecord() throws -> PollRecord {
        try sqliteOnly("pollRecord").sqlitePollRecord()
    }
    public func outboxHealth() throws -> OutboxHealth {
        try sqliteOnly("outboxHealth").sqliteOutboxHealth()
    }
    public func notificationCounts() throws -> [NotificationCount] {
        try sqliteOnly("notificationCounts").sqliteNotificationCounts()
    }
    public func purgePlan(closedBefore cutoff: Date) throws -> PurgeSummary {
        try sqliteOnly("purgePlan").sqlitePurgePlan(closedBefore: cutoff)
    }
    public func purge(closedBefore cutoff: Date, now: Date, by: String) throws -> PurgeSummary {
        try sqliteOnly("purge").sqlitePurge(closedBefore: cutoff, now: now, by: by)
    }
    public func prunableSentMessages(sentBefore cutoff: Date, afterPurgeBefore closedBefore: Date) throws -> Int {
        try sqliteOnly("prunableSentMessages").sqlitePrunableSentMessages(sentBefore: cutoff, afterPurgeBefore: closedBefore)
    }
    public func pruneSentMessages(sentBefore cutoff: Date, files: Int, now: Date, by: String) throws -> Int {
        try sqliteOnly("pruneSentMessages").sqlitePruneSentMessages(sentBefore: cutoff, files: files, now: now, by: by)
    }
    public func retentionLog() throws -> [RetentionLogEntry] {
        try sqliteOnly("retentionLog").sqliteRetentionLog()
    }
    public func purgedCounts() throws -> [PurgedCount] {
        try sqliteOnly("purgedCounts").sqlitePurgedCounts()
    }
    public func held(childRef: String? = nil, disputeRef: String? = nil) throws -> [HeldTable] {
        try sqliteOnly("held").sqliteHeld(childRef: childRef, disputeRef: disputeRef)
    }
}
