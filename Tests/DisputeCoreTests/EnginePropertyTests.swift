import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Properties of the engine over random histories (seeded, so every run is the same).
// People act at 12:00:01 on the day of a change; the daily poller polls at 12:00:00, so at least
// one poll falls between any two changes of state (the condition under which the poll interval
// cannot matter: a notice whose state ends before any poll sees it is not relevant any more).

@Suite("engine properties")
struct EnginePropertyTests {
    let engine: Engine
    init() throws { engine = try DisputeCoreTests.engine(try preset("four-stage")) }

    static let seeds: [UInt64] = [1, 2, 3, 5, 8, 13, 21, 34]

    func instant(_ d: LocalDate, _ h: Int, _ m: Int, _ s: Int = 0) -> Date {
        london.instant(d, LocalTime(hour: h, minute: m)!).addingTimeInterval(TimeInterval(s))
    }

    /// A random history of a formal dispute, built through `apply` (refused changes are skipped).
    func history(_ rng: inout SeededRNG, pauses: Bool = true) -> (Dispute, LocalDate) {
        let start = LocalDate(year: 2026, month: 1, day: 5)!.adding(days: Int.random(in: 0..<600, using: &rng))
        var d = Dispute(ref: "P-\(start.iso)", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                        division: .englandAndWales, raisedBy: actor("iro"),
                        events: [DisputeEvent(at: instant(start, 12, 0, 1), by: actor("iro"), change: .opened(stage: 1))])
        var dayN = start
        for _ in 0..<Int.random(in: 3...12, using: &rng) {
            dayN = dayN.adding(days: Int.random(in: 1...5, using: &rng))
            let t = instant(dayN, 12, 0, 1)
            let change: DisputeEvent.Change
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1: change = pauses ? .paused(approvedBy: actor("head-of-service-safeguarding"), reason: "court") : .note("no pause")
            case 2, 3: change = pauses ? .resumed : .note("no resume")
            case 4: change = .extended(workingDays: Int.random(in: 1...4, using: &rng), agreedBy: actor("iro"))
            case 5: change = .escalated(toStage: Int.random(in: 2...4, using: &rng), reason: "risk")
            case 6: change = Bool.random(using: &rng) ? .cafcassIntended(reason: "rights") : .cafcassReferral
            case 7 where Bool.random(using: &rng): change = .resolved(outcome: "done")
            case 8: change = .responded(text: "answered")
            default: change = .note("progress")
            }
            // A response is recorded by the current stage's owner; everything else by the IRO.
            var by = actor("iro")
            if case .responded = change, let owner = try? engine.evaluate(d, now: t).owner { by = actor(owner) }
            if let next = try? engine.apply(DisputeEvent(at: t, by: by, change: change), to: d) { d = next }
        }
        return (d, dayN.adding(days: 45))
    }

    @Test(arguments: seeds)
    func statutoryDeadlineNeverMovesEarlierWhenAPauseIsAdded(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<20 {
            // Given a history without pauses
            let (d, end) = history(&rng, pauses: false)
            guard let openDay = Optional(london.localDate(of: d.events[0].at)) else { continue }
            let now = instant(end, 12, 0)
            let before = try engine.evaluate(d, now: now)
            // When a pause (and maybe its resume) is added anywhere after opening
            let p = openDay.adding(days: Int.random(in: 1...30, using: &rng))
            var paused = d
            paused.events.append(DisputeEvent(at: instant(p, 9, 0), change: .paused(approvedBy: actor("head-of-service-safeguarding"), reason: "x")))
            if Bool.random(using: &rng) {
                paused.events.append(DisputeEvent(at: instant(p.adding(days: Int.random(in: 0...10, using: &rng)), 15, 0), change: .resumed))
            }
            paused.events.sort { $0.at < $1.at }
            let after = try engine.evaluate(paused, now: now)
            // Then the statutory deadline is the same or later
            if let b = before.statutoryDeadline, let a = after.statutoryDeadline, before.state != .resolved, after.state != .resolved {
                #expect(a >= b, "seed \(seed): \(d.ref) statutory moved from \(b) to \(a)")
            }
        }
    }

    @Test(arguments: seeds)
    func noIdentityTwiceAndSameIntentsForTheSameNow(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<10 {
            let (d, end) = history(&rng)
            let start = d.events[0].at.timeIntervalSince1970
            for _ in 0..<200 {
                let now = Date(timeIntervalSince1970: Double.random(in: start...instant(end, 12, 0).timeIntervalSince1970, using: &rng))
                let a = try engine.evaluate(d, context: EngineContext(earlierRecordsForChild: 1), now: now)
                let ids = a.intents.map(\.identity)
                #expect(Set(ids).count == ids.count, "duplicate identity at \(now): \(ids)")
                let b = try engine.evaluate(d, context: EngineContext(earlierRecordsForChild: 1), now: now)
                #expect(a.intents == b.intents)
                #expect(a.intents.allSatisfy { $0.trigger <= now })
                if let w = a.nextWakeUp { #expect(w > now) }
            }
        }
    }

    @Test(arguments: seeds.prefix(4))
    func sameIntentsWhetherPolledEveryFewMinutesOrOnceADay(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<3 {
            let (d, end) = history(&rng)
            let startDay = london.localDate(of: d.events[0].at)
            let stop = instant(end, 12, 0)
            // Every few minutes (1 to 20, irregular)
            var often = Set<String>()
            var t = d.events[0].at
            while t <= stop {
                for i in try engine.evaluate(d, now: t).intents { often.insert(i.identity) }
                t = t.addingTimeInterval(Double(Int.random(in: 1...20, using: &rng) * 60))
            }
            // Once a day at noon
            var daily = Set<String>()
            var day = startDay.adding(days: 1)
            while instant(day, 12, 0) <= stop {
                for i in try engine.evaluate(d, now: instant(day, 12, 0)).intents { daily.insert(i.identity) }
                day = day.adding(days: 1)
            }
            #expect(often == daily, "seed \(seed) \(d.ref): only often \(often.subtracting(daily)), only daily \(daily.subtracting(often))")
        }
    }

    @Test(arguments: seeds)
    func breachAlertsAreTheSameWhetherPolledDailyOrOnlyOnceAtTheEnd(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<10 {
            // Given a history that is still open at the end (pauses move deadlines, so none here)
            let (d, end) = history(&rng, pauses: false)
            guard !d.events.contains(where: { if case .resolved = $0.change { true } else { false } }) else { continue }
            let stop = instant(end, 12, 0)
            // When the daemon polls daily at noon, or comes back only at the end
            var daily = Set<String>()
            var day = london.localDate(of: d.events[0].at)
            while instant(day, 12, 0) <= stop {
                for i in try engine.evaluate(d, now: instant(day, 12, 0)).intents where i.event == .breach { daily.insert(i.identity) }
                day = day.adding(days: 1)
            }
            let once = Set(try engine.evaluate(d, now: stop).intents.filter { $0.event == .breach }.map(\.identity))
            // Then the same breach alerts are issued
            #expect(daily == once, "seed \(seed) \(d.ref): only daily \(daily.subtracting(once)), only once \(once.subtracting(daily))")
        }
    }

    @Test func nextWakeUpIsTheNextTriggerSoSleepingUntilThenMissesNothing() throws {
        // Polling only at each nextWakeUp yields the same notices as polling every 10 minutes.
        let d = record(opened: "2026-11-02 10:00")
        var woken = Set<String>()
        var now = at("2026-11-02 10:00")
        while now < at("2026-12-10 10:00") {
            let ev = try engine.evaluate(d, now: now)
            for i in ev.intents { woken.insert(i.identity) }
            guard let next = ev.nextWakeUp else { break }
            now = next
        }
        let often = try engine.identities(d, polls: polls(from: "2026-11-02 10:00", to: "2026-12-10 10:00", everyMinutes: 10))
        #expect(woken == often)
    }
}
