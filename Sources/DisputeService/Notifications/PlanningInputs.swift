import DisputeCore
import DisputeStore
import Foundation
import Logging

/// The engine's repeat-alert context for each of `disputes`: how many records of the same kind
/// were raised earlier for the same child, over every record in the store, closed ones included
/// (one query, `earlierRecordCounts`).
///
/// - Returns: one context per dispute, in order.
/// - Throws: `StoreError` when the store cannot be read.
public func repeatContexts(store: any DisputeRepository, for disputes: [Dispute]) throws -> [EngineContext] {
    contexts(try store.earlierRecordCounts(), disputes)
}

/// The same, inside a read or write transaction (`store.read { try repeatContexts(store: $0, for: ...) }`).
public func repeatContexts(store: any DisputeReading, for disputes: [Dispute]) throws -> [EngineContext] {
    contexts(try store.earlierRecordCounts(), disputes)
}

private func contexts(_ counts: [String: Int], _ disputes: [Dispute]) -> [EngineContext] {
    disputes.map { EngineContext(earlierRecordsForChild: counts[$0.ref] ?? 0) }
}

/// The open disputes for a poll, leaving out (and logging by reference) each one the store
/// cannot read (a bad row, e.g. an event with an impossible date): the others are still served.
///
/// - Returns: the readable open disputes, and a skip per unreadable one (for `TickSummary.skipped`).
/// - Throws: `StoreError` when the store cannot be read at all.
public func openDisputes(store: any DisputeReading, logger: Logger) throws -> (disputes: [Dispute], skipped: [TickSkip]) {
    var unreadable: [UnreadableDispute] = []
    let disputes = try store.disputes(openOnly: true, unreadable: &unreadable)
    for u in unreadable {
        logger.error("Dispute skipped", metadata: ["dispute.ref": "\(u.ref)", "reason": "\(u.reason)"])
    }
    return (disputes, unreadable.map { TickSkip(ref: $0.ref, reason: $0.reason) })
}

/// The same, in one read of `store`.
public func openDisputes(store: any DisputeRepository, logger: Logger) throws -> (disputes: [Dispute], skipped: [TickSkip]) {
    try store.read { try openDisputes(store: $0, logger: logger) }
}
