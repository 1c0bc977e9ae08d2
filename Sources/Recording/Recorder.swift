import ServiceConfig
import DisputeCore
import DisputeStore
import Foundation

// The one way a dispute is written: from the command line, a CSV import or the web. Each write
// is validate -> engine check -> one transaction; nothing is written when any step refuses.
// The recorder never reads the clock: who acts and when are parameters.

/// Records disputes and their changes in a store, checked against their policies.
///
/// Refusals are `DomainError`s naming the field they concern (`field`, e.g. `.approvedBy`): a
/// front end names that field its own way (`message(naming:)`: the CLI prints `--approved-by`, a
/// web form marks the field). Store failures are `StoreError`s.
public struct Recorder: Sendable {
    public let runtime: Runtime
    public let store: any DisputeRepository
    /// Where the events it records come from (`.cli`, `.web`); an import records `.import(file:)`.
    public let origin: EventOrigin

    public init(runtime: Runtime, store: any DisputeRepository, origin: EventOrigin = .unknown) {
        self.runtime = runtime; self.store = store; self.origin = origin
    }

    /// Opens a new dispute: its fields are checked (known policy, kind, roles...), the engine
    /// checks the policy's rules (stage, initiator, bypass, subject), and it is inserted in one
    /// transaction that refuses a case reference already recorded.
    ///
    /// - Parameter fields: the fields as given; `fields.at` is when it was raised.
    /// - Returns: the dispute, and its evaluation at its opening.
    /// - Throws: `DomainError` (field `.ref` for a reference already recorded); `StoreError`.
    @discardableResult
    public func open(_ fields: OpeningFields) throws -> (Dispute, Evaluation) {
        let dispute = try runtime.opening(fields)
        let summary = try runtime.engine(for: dispute).summary(of: dispute, at: fields.at)
        try store.write { tx in
            if try tx.existingRefs(among: [dispute.ref]).contains(dispute.ref) {
                throw DomainError(field: .ref, "\(dispute.ref) is already recorded; choose another case reference, or record changes with drwatch dispute escalate/note/...")
            }
            try tx.insert(dispute, origins: [origin], summary: summary)
        }
        return (dispute, try runtime.evaluate(dispute, now: fields.at))
    }

    /// Records one change to a stored dispute, checked by the engine against its policy inside
    /// one write transaction (read the dispute, apply the change, append it).
    ///
    /// - Parameters:
    ///   - change: what happened.
    ///   - ref: the dispute's case reference.
    ///   - by: who recorded it, when known.
    ///   - at: when it happened.
    /// - Returns: the dispute with the change, and its evaluation at `at`.
    /// - Throws: `DomainError` (field `.ref` when no dispute has this reference); `StoreError`.
    @discardableResult
    public func record(_ change: DisputeEvent.Change, ref: String, by: Actor?, at: Date) throws -> (Dispute, Evaluation) {
        try record(ref: ref, by: by, at: at) { _ in change }
    }

    /// Escalates a dispute to `toStage`, or to the stage after its current one (derived
    /// escalations on breach included) when `toStage` is nil.
    @discardableResult
    public func escalate(ref: String, toStage: Int?, reason: String?, by: Actor?, at: Date) throws -> (Dispute, Evaluation) {
        try record(ref: ref, by: by, at: at) { dispute in
            .escalated(toStage: try toStage ?? runtime.evaluate(dispute, now: at).stage + 1, reason: reason)
        }
    }

    /// Records the change `make` builds from the stored dispute, read in the same transaction.
    @discardableResult
    public func record(ref: String, by: Actor?, at: Date, _ make: (Dispute) throws -> DisputeEvent.Change) throws -> (Dispute, Evaluation) {
        let updated = try store.write { tx -> Dispute in
            guard let dispute = try tx.dispute(ref: ref) else { throw Recorder.noSuchDispute(ref) }
            let event = DisputeEvent(at: at, by: by, change: try make(dispute))
            let updated = try runtime.apply(event, to: dispute)
            // The stored stage is the engine's (derived escalations on breach included).
            let summary = try runtime.engine(for: updated).summary(of: updated, at: at)
            try tx.append(event, toRef: ref, origin: origin, summary: summary)
            return updated
        }
        return (updated, try runtime.evaluate(updated, now: at))
    }

    /// The reference given does not match a recorded dispute.
    public static func noSuchDispute(_ ref: String) -> DomainError {
        DomainError(field: .ref, "no dispute \(ref) is recorded; check the case reference\(DomainError.hint(" (drwatch dispute list --all)", form: ""))")
    }

    /// Checks a whole CSV import file (docs/import.md) against the config's policies and the
    /// store's references, writing nothing.
    ///
    /// - Returns: the plan, or every problem found (one per bad line, in line order).
    public func checkImport(_ bytes: [UInt8]) throws -> Result<ImportPlan, ImportFailure> {
        try runtime.planImport(bytes, mapping: runtime.config.imports.mapping, existingRefs: { try store.existingRefs(among: $0) })
    }

    /// Imports a CSV file: checked whole first (`checkImport`), then every dispute is inserted in
    /// one transaction, all or nothing.
    ///
    /// - Parameter file: the file's name as given, without folders (each event's origin).
    /// - Returns: the plan written, or every problem found (then nothing was written).
    /// - Throws: `ImportConflict` when another writer recorded one of the references meanwhile
    ///   (nothing was written); `StoreError`.
    /// - Parameter file: the file's name, recorded as each event's source (`import:FILE`).
    public func importCSV(_ bytes: [UInt8], file: String) throws -> Result<ImportPlan, ImportFailure> {
        let checked = try checkImport(bytes)
        guard case .success(let plan) = checked else { return checked }
        let origins = plan.eventIDs.map { $0.map { EventOrigin.import(file: file, eventID: $0) } }
        let summaries = try plan.disputes.map { try runtime.engine(for: $0).summary(of: $0, at: $0.events.last!.at) }
        do {
            try store.write { try $0.insertMany(plan.disputes, origins: origins, summaries: summaries) }
        } catch let error as StoreError where error.code == .duplicate && error.index != nil {
            throw ImportConflict(line: plan.lines[error.index!], ref: plan.disputes[error.index!].ref)
        }
        return checked
    }
}

extension Recorder {
    /// A repeated import (`drwatch import --sync`, the drop folder; docs/import.md): the export is
    /// planned against the store and, unless `dryRun`, written in the same write transaction, so
    /// the engine checks each new event against what is recorded at that moment.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the file's name, recorded as each event's source (`import:FILE`).
    ///   - strict: write nothing when any row is refused.
    ///   - dryRun: only read.
    ///   - beforeCommit: called inside the transaction after the writes (the drop folder's
    ///     test-only stop).
    /// - Returns: the plan (written unless `dryRun`, or `strict` with a refused row), or the
    ///   file's problem when it cannot be read as an export at all (nothing written).
    public func sync(_ bytes: [UInt8], file: String, strict: Bool, dryRun: Bool,
                     beforeCommit: () -> Void = {}) throws -> Result<SyncPlan, ImportFailure> {
        let mapping = runtime.config.imports.mapping
        if dryRun { return try store.read { try runtime.planSync(bytes, source: file, mapping: mapping, store: $0) } }
        return try store.write { tx in
            let r = try runtime.planSync(bytes, source: file, mapping: mapping, store: tx)
            if case .success(let plan) = r, !(strict && plan.refused > 0) {
                try plan.record(in: tx)
                beforeCommit()
            }
            return r
        }
    }
}

/// A dispute of an import file was recorded by another writer between the check and the write;
/// nothing was imported.
public struct ImportConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line of the dispute's opening row.
    public var line: Int
    public var ref: String
    public var description: String { "line \(line): \(ref) was recorded by another process meanwhile; nothing was imported" }
}
