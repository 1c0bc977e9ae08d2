import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

// What a dispute command works with: the config, everything it names, the store and its recorder.

/// The config, everything it names, and the store: what a dispute command works with.
struct Session {
    let runtime: Runtime
    let store: any StoreBackend
    /// Every write goes through it (Sources/Recording/Recorder.swift).
    var recorder: Recorder { Recorder(runtime: runtime, store: store, origin: .cli) }

    /// Loads the config and its policies (exit 66/78 on problems) and opens the existing database.
    ///
    /// - Throws: `CommandFailure` 66 when the database does not exist yet (run `drwatch init`),
    ///   69 when its schema is older than this drwatch (run `drwatch init` to upgrade it);
    ///   `StoreError` otherwise.
    init(_ global: GlobalOptions) throws {
        let config = try global.loadConfig()
        runtime = try Runtime.load(config: config)
        let location = try StoreLocation(setting: config.database)
        let path = location.description
        guard Stores.exists(location) else {
            throw CommandFailure("database \(path) does not exist; create it with drwatch init (same --config/--database)", code: Sysexits.noInput)
        }
        store = try config.openStore()
        let pending = try store.pendingMigrations()
        if !pending.isEmpty {
            throw CommandFailure("database \(path) has an older schema (missing \(pending.joined(separator: ", "))); upgrade it with drwatch init", code: Sysexits.unavailable)
        }
    }
}

/// Records one change to a dispute through the recorder and prints it with the dispute's state:
/// `REF: escalated to stage 2 at TIME; stage 2 (owner ...) due ...; state on-track`. Nothing is
/// written when the engine refuses (exit 65).
func recordChange(_ change: DisputeEvent.Change, ref: String, at: String?, by: String?, global: GlobalOptions) throws {
    try recordChange(at: at, global: global) { recorder, when in try recorder.record(change, ref: ref, by: actor(by), at: when) }
}

/// Runs one recorder write at `--at` (now when absent) and prints its line.
func recordChange(at: String?, global: GlobalOptions, _ write: (Recorder, Date) throws -> (Dispute, Evaluation)) throws {
    let session = try Session(global)
    let when = try parseAt(at)
    let (dispute, evaluation) = try write(session.recorder, when)
    // A late record of an escalation the engine already made on breach is its confirmation: say so.
    var before = dispute
    let last = before.events.removeLast()
    let confirms = (try? session.runtime.engine(for: before).confirmsDerivedEscalation(last, of: before)) ?? false
    let note = confirms ? " (confirms the escalation drwatch made on breach; nothing moves)" : ""
    print("\(dispute.ref): \(describe(last.change)) at \(iso(when))\(note); \(summary(evaluation))")
}

/// The reference given does not match a recorded dispute (exit 65, EX_DATAERR: "no such dispute").
func noSuchDispute(_ ref: String) -> DomainError { Recorder.noSuchDispute(ref) }
