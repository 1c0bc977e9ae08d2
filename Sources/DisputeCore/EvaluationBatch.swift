import Foundation
import WorkingDays

// The batch path of the engine: every open record at one poll, into buffers the caller keeps
// from poll to poll. Same decisions as `Engine.evaluate` (one implementation: `Engine.outcome`),
// in plain value records, so a warm batch allocates nothing and retains nothing per record.

/// The results of `Engine.evaluateAll`: one entry per record, in input order, and their intents.
/// Keep one and pass it to every poll: its buffers are reused.
public struct EvaluationBatch: Sendable {
    /// One record's deadlines and state (what `Evaluation` holds, without the strings).
    public struct Entry: Sendable, Hashable {
        public var ref: String
        public var state: DisputeState
        /// The effective current stage; 0 for records without stages.
        public var stage: Int { Int(stage32) }
        var stage32: Int32
        var ownerCode: UInt16
        var stageNameCode: UInt16
        var stageInstant: Int
        var statInstant: Int
        var wake: Int
        var stageDay: Int32
        var stageLeft: Int32
        var statDay: Int32
        var statLeft: Int32
        var intentStart: Int32
        var intentCount: Int32
        var derivedStart: Int32
        var derivedCount: Int32
        var respondedAt: Int = Int.min
        var responseDays: Int32 = IntentRecord.absent
        var respondedInTime = false

        static let absentInstant = Int.min

        /// The role that must act now.
        public var owner: String? { ownerCode == Interned.none ? nil : Interned.shared.name(ownerCode) }
        public var stageName: String? { stageNameCode == Interned.none ? nil : Interned.shared.name(stageNameCode) }
        public var stageDeadline: Date? { Self.date(stageInstant) }
        public var stageDeadlineDay: LocalDate? { Self.day(stageDay) }
        public var stageWorkingDaysLeft: Int? { Self.int(stageLeft) }
        public var statutoryDeadline: Date? { Self.date(statInstant) }
        public var statutoryDeadlineDay: LocalDate? { Self.day(statDay) }
        public var statutoryWorkingDaysLeft: Int? { Self.int(statLeft) }
        public var nextWakeUp: Date? { wake == .max ? nil : Date(timeIntervalSince1970: TimeInterval(wake)) }
        /// How many intents are due for this record.
        public var intentsDue: Int { Int(intentCount) }

        static func date(_ t: Int) -> Date? { t == absentInstant ? nil : Date(timeIntervalSince1970: TimeInterval(t)) }
        static func day(_ d: Int32) -> LocalDate? { d == IntentRecord.absent ? nil : LocalDate(dayNumber: Int(d)) }
        static func int(_ v: Int32) -> Int? { v == IntentRecord.absent ? nil : Int(v) }
    }

    public internal(set) var entries: [Entry] = []
    var records: [IntentRecord] = []
    var derived: [Int32] = []

    public init() {}

    /// Empties the batch, keeping its buffers for the next poll.
    public mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        derived.removeAll(keepingCapacity: true)
    }

    public var count: Int { entries.count }
    /// All intents due, over every record.
    public var intentCount: Int { records.count }

    /// The intents due for record `i`, in the order `evaluate` returns them.
    public func intents(_ i: Int) -> [NotificationIntent] {
        let e = entries[i]
        let lo = Int(e.intentStart)
        return records[lo..<lo + Int(e.intentCount)].map { NotificationIntent(ref: e.ref, record: $0) }
    }

    /// Record `i` as `Engine.evaluate(_:context:now:explain:)` (without `explain`) returns it.
    public func evaluation(_ i: Int) -> Evaluation {
        let e = entries[i]
        let lo = Int(e.derivedStart)
        return Evaluation(ref: e.ref, state: e.state, stage: e.stage, stageName: e.stageName, owner: e.owner,
                          stageDeadline: e.stageDeadline, stageDeadlineDay: e.stageDeadlineDay,
                          stageWorkingDaysLeft: e.stageWorkingDaysLeft, statutoryDeadline: e.statutoryDeadline,
                          statutoryDeadlineDay: e.statutoryDeadlineDay, statutoryWorkingDaysLeft: e.statutoryWorkingDaysLeft,
                          derivedEscalations: derived[lo..<lo + Int(e.derivedCount)].map { Int($0) },
                          intents: intents(i), notSent: [], nextWakeUp: e.nextWakeUp,
                          respondedAt: EvaluationBatch.Entry.date(e.respondedAt), responseWorkingDays: EvaluationBatch.Entry.int(e.responseDays),
                          respondedWithinTimescale: e.respondedAt == Int.min ? nil : e.respondedInTime)
    }
}

/// Appends intent records to a batch.
struct RecordSink: IntentSink {
    var records: [IntentRecord]
    @inline(__always) mutating func add(_ r: IntentRecord) { records.append(r) }
}

extension Engine {
    /// Evaluates many records at one `now`, appending to `batch` (call `batch.removeAll()` between
    /// polls to reuse its buffers). Gives exactly what `evaluate(_:context:now:)` gives for each.
    ///
    /// - Parameters:
    ///   - disputes: the records.
    ///   - contexts: one per record, or empty for the default context for all.
    ///   - now: the moment of the poll.
    ///   - batch: where the results go, one entry per record in order.
    /// - Throws: the first error `evaluate` would throw; the batch then holds the records before it.
    public func evaluateAll(_ disputes: [Dispute], contexts: [EngineContext] = [], now: Date, into batch: inout EvaluationBatch) throws {
        precondition(contexts.isEmpty || contexts.count == disputes.count, "one context per record, or none")
        let nowSeconds = Int(now.timeIntervalSince1970.rounded(.down))
        batch.entries.reserveCapacity(batch.entries.count + disputes.count)
        var sink = RecordSink(records: [])
        swap(&sink.records, &batch.records)
        defer { swap(&sink.records, &batch.records) }
        var notSent: [Decision] = []
        try disputes.withUnsafeBufferPointer { all in
        for i in all.indices {
            // Read in place: copying a Dispute retains each of its strings and arrays.
            let d = all.baseAddress! + i
            guard let plan = plan(d.pointee.kind) else { throw unknownKind(all[i]) }
            let context = contexts.isEmpty ? EngineContext() : contexts[i]
            let start = sink.records.count
            var o = Outcome()
            try outcome(at: d, plan: plan, context: context, now: nowSeconds, explain: false, into: &sink, notSent: &notSent, outcome: &o)
            let derivedStart = batch.derived.count
            if o.derived.count > 0 { o.derived.forEach { batch.derived.append(Int32($0)) } }
            batch.entries.append(EvaluationBatch.Entry(
                ref: d.pointee.ref, state: o.state, stage32: Int32(o.stage),
                ownerCode: o.choice >= 0 ? plan.choices[o.choice].owner : Interned.none,
                stageNameCode: o.stage > 0 ? plan.stageNameCodes[o.stage - 1] : Interned.none,
                stageInstant: o.stageDeadline ?? EvaluationBatch.Entry.absentInstant,
                statInstant: o.statutoryDeadline ?? EvaluationBatch.Entry.absentInstant,
                wake: o.wake,
                stageDay: o.stageDeadlineDay.map { Int32($0.dayNumber) } ?? IntentRecord.absent,
                stageLeft: o.stageWorkingDaysLeft.map { Int32($0) } ?? IntentRecord.absent,
                statDay: o.statutoryDeadlineDay.map { Int32($0.dayNumber) } ?? IntentRecord.absent,
                statLeft: o.statutoryWorkingDaysLeft.map { Int32($0) } ?? IntentRecord.absent,
                intentStart: Int32(start), intentCount: Int32(sink.records.count - start),
                derivedStart: Int32(derivedStart), derivedCount: Int32(o.derived.count),
                respondedAt: o.respondedAt ?? Int.min, responseDays: o.responseWorkingDays.map { Int32($0) } ?? IntentRecord.absent,
                respondedInTime: o.respondedInTime ?? false))
        }
        }
    }
}
