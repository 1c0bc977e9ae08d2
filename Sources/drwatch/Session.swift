import DisputeCore
import DisputeService
import DisputeStore
import Foundation

// What a dispute command works with: the config, everything it names, and the store; recording one change.

/// The config, everything it names, and the store: what a dispute command works with.
struct Session {
    let runtime: Runtime
    let store: SQLiteStore

    /// Loads the config and its policies (exit 66/78 on problems) and opens the existing database.
    ///
    /// - Throws: `CommandFailure` 66 when the database does not exist yet (run `drwatch init`),
    ///   69 when its schema is older than this drwatch (run `drwatch init` to upgrade it);
    ///   `StoreError` otherwise.
    init(_ global: GlobalOptions) throws {
        let config = try global.loadConfig()
        runtime = try Runtime.load(config: config)
        let path = config.database
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("database \(path) does not exist; create it with drwatch init (same --config/--database)", code: Sysexits.noInput)
        }
        store = try SQLiteStore(path: path)
        let pending = try store.pendingMigrations()
        if !pending.isEmpty {
            throw CommandFailure("database \(path) has an older schema (missing \(pending.joined(separator: ", "))); upgrade it with drwatch init", code: Sysexits.unavailable)
        }
    }
}

/// The reference given does not match a recorded dispute (exit 65, EX_DATAERR: "no such dispute").
func noSuchDispute(_ ref: String) -> CommandFailure {
    CommandFailure("no dispute \(ref) is recorded; check the case reference (drwatch dispute list --all)", code: Sysexits.dataErr)
}

/// Records one change to a dispute, checked against its policy inside one write transaction:
/// read the dispute, let the engine apply the change, append it. Nothing is written when the
/// engine refuses (exit 65).
///
/// - Returns: the dispute with the change, and its evaluation at the change's time.
@discardableResult
func recordChange(_ change: DisputeEvent.Change, ref: String, at: String?, by: String?, global: GlobalOptions) throws -> (Dispute, Evaluation) {
    try recordChange(ref: ref, at: at, by: by, global: global) { _, _, _ in change }
}

/// Records the change `make` builds from the stored dispute (read in the same transaction).
@discardableResult
func recordChange(ref: String, at: String?, by: String?, global: GlobalOptions,
                  _ make: (Dispute, Runtime, Date) throws -> DisputeEvent.Change) throws -> (Dispute, Evaluation) {
    let session = try Session(global)
    let when = try parseAt(at)
    let (event, updated) = try session.store.write { tx -> (DisputeEvent, Dispute) in
        guard let dispute = try tx.dispute(ref: ref) else { throw noSuchDispute(ref) }
        let event = DisputeEvent(at: when, by: actor(by), change: try make(dispute, session.runtime, when))
        let updated = try session.runtime.apply(event, to: dispute)
        try tx.append(event, toRef: ref)
        return (event, updated)
    }
    let evaluation = try session.runtime.evaluate(updated, now: event.at)
    print("\(ref): \(describe(event.change)) at \(iso(event.at)); \(summary(evaluation))")
    return (updated, evaluation)
}
