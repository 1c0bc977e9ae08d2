import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// `evaluateAll` (the daemon's batch path) against `evaluate` one record at a time, over the
// seeded random histories of the property tests.

@Suite("engine batch")
struct EngineBatchTests {
    @Test(arguments: EnginePropertyTests.seeds)
    func batchGivesExactlyWhatEvaluateGivesForEachRecord(seed: UInt64) throws {
        let properties = try EnginePropertyTests()
        let engine = properties.engine
        var rng = SeededRNG(seed: seed)
        var records: [Dispute] = []
        var ends: [Date] = []
        for _ in 0..<30 {
            let (d, end) = properties.history(&rng)
            records.append(d); ends.append(properties.instant(end, 12, 0))
        }
        let first = records.map { $0.events[0].at.timeIntervalSince1970 }.min()!
        let last = ends.map(\.timeIntervalSince1970).max()!
        var batch = EvaluationBatch()
        for _ in 0..<40 {
            let now = Date(timeIntervalSince1970: Double.random(in: first...last, using: &rng))
            let contexts = records.map { _ in EngineContext(earlierRecordsForChild: Int.random(in: 0...1, using: &rng)) }
            // Given a batch reused from the previous poll
            batch.removeAll()
            // When every record is evaluated at once
            try engine.evaluateAll(records, contexts: contexts, now: now, into: &batch)
            // Then each entry is what evaluate returns for that record, intents included, in order
            #expect(batch.count == records.count)
            var total = 0
            for (i, d) in records.enumerated() {
                let one = try engine.evaluate(d, context: contexts[i], now: now)
                let e = batch.entries[i]
                let intents = batch.intents(i)
                #expect(intents == one.intents, "\(d.ref) at \(now)")
                #expect(intents.map(\.identity) == one.intents.map(\.identity))
                #expect(intents.map(\.reason) == one.intents.map(\.reason))
                #expect(intents.map(\.copy) == one.intents.map(\.copy))
                #expect(e.ref == one.ref && e.state == one.state && e.stage == one.stage && e.owner == one.owner
                        && e.stageName == one.stageName && e.intentsDue == one.intents.count)
                #expect(e.stageDeadline == one.stageDeadline && e.stageDeadlineDay == one.stageDeadlineDay
                        && e.stageWorkingDaysLeft == one.stageWorkingDaysLeft)
                #expect(e.statutoryDeadline == one.statutoryDeadline && e.statutoryDeadlineDay == one.statutoryDeadlineDay
                        && e.statutoryWorkingDaysLeft == one.statutoryWorkingDaysLeft && e.nextWakeUp == one.nextWakeUp)
                let again = batch.evaluation(i)
                #expect(again.derivedEscalations == one.derivedEscalations && again.intents == one.intents)
                total += one.intents.count
            }
            #expect(batch.intentCount == total)
        }
    }

    @Test func aRecordOfAKindThePolicyLacksIsRefusedAsEvaluateRefusesIt() throws {
        var policy = try preset("four-stage")
        policy.kinds[.complaint] = nil
        let engine = try DisputeCoreTests.engine(policy)
        let d = record(.complaint, opened: "2026-11-02 10:00")
        var batch = EvaluationBatch()
        #expect(throws: DomainError.self) { try engine.evaluateAll([d], now: at("2026-11-03 10:00"), into: &batch) }
        #expect(throws: DomainError.self) { try engine.evaluate(d, now: at("2026-11-03 10:00")) }
    }
}
