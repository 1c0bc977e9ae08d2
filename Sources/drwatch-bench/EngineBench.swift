import DisputeCore
import Foundation
import WorkingDays

/// `drwatch-bench engine`: evaluate 100,000 open disputes (deadlines, states, intents) on one core.
/// Target (issue 3): no slower than numpy's busday arithmetic for the same disputes
/// (scripts/bench_numpy_deadlines.py); 50 ms at most. Measures `evaluateAll` (the daemon's batch path)
/// and `evaluate` one record at a time.
enum EngineBench {
    static let count = 100_000

    /// Open disputes raised over the 30 working days before `now`, with a mix of kinds, stages,
    /// pauses, extensions and escalations, and a seeded generator so every run is the same.
    static func disputes(now: Date, civil: CivilTime) -> [Dispute] {
        var rng = SplitMix64(seed: 42)
        let today = civil.localDate(of: now)
        var out: [Dispute] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let daysBack = Int(rng.next() % 40) + 1
            let day = today.adding(days: -daysBack)
            let minute = 8 * 60 + Int(rng.next() % 600)
            let opened = civil.instant(day, LocalTime(hour: minute / 60, minute: minute % 60)!)
            let kind: RecordKind = i % 10 == 0 ? .qopAlert : (i % 29 == 0 ? .collective : .formal)
            var events = [DisputeEvent(at: opened, by: Actor(role: "iro", email: "iro@council.example"), change: .opened(stage: 1))]
            let r = rng.next() % 10
            if kind == .formal && r == 0 {
                events.append(DisputeEvent(at: opened.addingTimeInterval(86_400), change: .paused(
                    approvedBy: Actor(role: "head-of-service-safeguarding", email: "hos@council.example"), reason: "court")))
                if rng.next() % 2 == 0 { events.append(DisputeEvent(at: opened.addingTimeInterval(4 * 86_400), change: .resumed)) }
            } else if kind == .formal && r == 1 {
                events.append(DisputeEvent(at: opened.addingTimeInterval(3600), change: .extended(
                    workingDays: 2, agreedBy: Actor(role: "iro", email: "iro@council.example"))))
            } else if kind == .formal && r == 2 {
                events.append(DisputeEvent(at: opened.addingTimeInterval(7200), change: .escalated(toStage: 2, reason: nil)))
            }
            out.append(Dispute(ref: "BENCH-\(i)", policy: "four-stage", kind: kind, category: .general, type: .practice,
                               division: .englandAndWales, raisedBy: Actor(role: "iro", email: "iro@council.example"),
                               events: events.filter { $0.at <= now }))
        }
        return out
    }

    static func run() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("config/policies/four-stage.toml")
        let policy = try Policy.parse(text: String(contentsOf: file, encoding: .utf8), file: "config/policies/four-stage.toml")
        let settings = EngineSettings()
        let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales), settings: settings)
        let now = settings.civil.parse("2026-11-25T09:00")!
        let all = disputes(now: now, civil: settings.civil)
        let context = EngineContext(earlierRecordsForChild: 0)

        // The daemon's path: every open record at one poll, into a batch reused from poll to poll.
        var batch = EvaluationBatch()
        var best = Double.infinity
        var intents = 0, overdue = 0, checksum = 0
        for _ in 0..<15 {
            batch.removeAll()
            let start = DispatchTime.now().uptimeNanoseconds
            try engine.evaluateAll(all, now: now, into: &batch)
            intents = 0; overdue = 0; checksum = 0
            for e in batch.entries {
                intents &+= e.intentsDue
                if e.state == .overdue { overdue &+= 1 }
                checksum &+= (e.stageWorkingDaysLeft ?? 0) &+ (e.statutoryWorkingDaysLeft ?? 0)
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            best = min(best, ms)
        }
        print(String(format: "engine: evaluated %d open disputes in %.1f ms (evaluateAll, best of 15; %.0f ns each): %d intents due, %d overdue, checksum %d",
                     all.count, best, best * 1e6 / Double(all.count), intents, overdue, checksum))

        // One record at a time (the CLI's path): an Evaluation with its intents array per record.
        best = .infinity
        for _ in 0..<7 {
            intents = 0; overdue = 0; checksum = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for d in all {
                let ev = try engine.evaluate(d, context: context, now: now)
                intents &+= ev.intents.count
                if ev.state == .overdue { overdue &+= 1 }
                checksum &+= (ev.stageWorkingDaysLeft ?? 0) &+ (ev.statutoryWorkingDaysLeft ?? 0)
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            best = min(best, ms)
        }
        print(String(format: "engine: evaluated %d open disputes in %.1f ms (evaluate one by one, best of 7; %.0f ns each): %d intents due, %d overdue, checksum %d",
                     all.count, best, best * 1e6 / Double(all.count), intents, overdue, checksum))
    }
}

