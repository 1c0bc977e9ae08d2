import DisputeCore
import Foundation

/// Operations an admin runs on the store: the daemon's poll record, retention and purge, the
/// counters behind `drwatch check` and the metrics, and subject access, on every backend
/// (migration `009-retention` on both).
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
    /// Every record and the counts kept of purged ones, from one snapshot (what a report reads:
    /// a purge between two reads would count a record twice or not at all).
    func reportRecords() throws -> (disputes: [Dispute], purged: [PurgedRecords])
    func held(childRef: String?, disputeRef: String?) throws -> [HeldTable]
}

/// Every backend, with the same SQL (Retention.swift, PollRecord.swift, SubjectAccess.swift);
/// only the migration `009-retention` is written in each dialect.
extension SQLStore: OperationsStore {}
