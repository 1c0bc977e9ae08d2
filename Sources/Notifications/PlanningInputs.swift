import ServiceConfig
import Recording
import DisputeCore
import DisputeStore
import Foundation

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
