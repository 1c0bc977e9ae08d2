import DisputeCore
@testable import DisputeStore
import Foundation
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// A Poller keeps the open disputes between polls and reads only what changed (the store's
/// change token). Other processes write too: here the real `drwatch` command line records
/// changes between two ticks, and the next tick must see them exactly as a fresh Poller would.
@Suite("Incremental poll", .serialized)
struct IncrementalPollTests {
    /// The `drwatch` binary `swift build --build-tests` put next to the test bundle.
    static let binary: URL = {
        let bundle = Bundle.main.bundleURL
        var dir = bundle.hasDirectoryPath ? bundle : bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("drwatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/drwatch")
    }()

    /// Runs `drwatch ARGS --config CONFIG` and requires exit 0.
    func cli(_ p: Pipeline, _ args: [String]) throws {
        let proc = Process()
        proc.executableURL = Self.binary
        proc.arguments = args + ["--config", p.config.file]
        var env = ProcessInfo.processInfo.environment
        env["DRWATCH_CONFIG"] = nil
        proc.environment = env
        let err = Pipe()
        proc.standardError = err
        proc.standardOutput = FileHandle.nullDevice
        try proc.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        guard proc.terminationStatus == 0 else {
            throw PipelineFailure("drwatch \(args.joined(separator: " ")) exited \(proc.terminationStatus): \(message)")
        }
    }

    func openByCLI(_ p: Pipeline, _ ref: String, at: String, child: String? = nil, kind: String = "formal") throws {
        try cli(p, ["dispute", "open", "--ref", ref, "--policy", "four-stage", "--kind", kind, "--category", "general",
                    "--type", "P", "--raised-by", "iro:iro@council.example", "--at", at,
                    "--person", "team-manager=tm.\(ref.lowercased())@council.example"] + (child.map { ["--child", $0] } ?? []))
    }

    /// What a fresh Poller (a restarted daemon, reading everything) decides at `now`, without writing.
    func fresh(_ p: Pipeline, at now: Date) async throws -> TickSummary {
        try await p.poller().tick(now: now, dryRun: true)
    }

    @Test func changesByTheCommandLineBetweenTicksAreSeenOnTheNextTick() async throws {
        let p = try Pipeline(standardRoles + "\n[files]\ndirectory = \"out\"")
        try p.open("DR-1")
        let poller = try p.poller()
        let t0 = london("2026-11-23T10:05")
        let first = try await poller.tick(now: t0)
        #expect(first.openDisputes == 1 && first.enqueued == 1)

        // Another process opens one and escalates the other.
        try openByCLI(p, "DR-2", at: "2026-11-23T10:10")
        try cli(p, ["dispute", "escalate", "DR-1", "--at", "2026-11-23T10:20", "--by", "iro:iro@council.example"])
        let t1 = london("2026-11-23T10:30")
        let second = try await poller.tick(now: t1)
        #expect(second.openDisputes == 2)
        // Read incrementally: only the two disputes the command line changed.
        #expect(p.logs.all.contains { $0.contains("Open disputes refreshed") && $0.contains("refresh=changed(2)") })
        #expect(p.logs.all.filter { $0.contains("refresh=full") }.count == 1)
        let ids = second.planned.map(\.item.identity)
        #expect(ids.contains("DR-2/s1/opened/team-manager"))
        #expect(ids.contains { $0.hasPrefix("DR-1/s2/") })
        // The DR-2 notice goes to the address the command line gave it (people read from the store).
        #expect(second.planned.first { $0.item.identity == "DR-2/s1/opened/team-manager" }?.item.recipients.contains("tm.dr-2@council.example") == true)
        // A restarted daemon would decide the same, and finds nothing left to enqueue.
        let restarted = try await fresh(p, at: t1)
        #expect(restarted.enqueued == 0 && restarted.openDisputes == 2)
        #expect(restarted.overdue == second.overdue && restarted.nextWakeUp == second.nextWakeUp)

        // Nothing changed: nothing new.
        let third = try await poller.tick(now: t1.addingTimeInterval(60))
        #expect(third.enqueued == 0 && third.openDisputes == 2)

        // A resolved dispute drops out of the open ones on the next tick; resolved without naming who,
        // its raiser (the IRO) is told once.
        try cli(p, ["dispute", "resolve", "DR-2", "--outcome", "agreed", "--at", "2026-11-23T11:00"])
        let fourth = try await poller.tick(now: london("2026-11-23T11:05"))
        #expect(fourth.openDisputes == 1 && fourth.planned.map(\.item.identity) == ["DR-2/s1/resolved/iro"])
        #expect(fourth.statusLine == "1 open dispute, 0 overdue, 0 pending")
        let restartedAgain = try await fresh(p, at: london("2026-11-23T11:05"))
        #expect(restartedAgain.openDisputes == 1 && restartedAgain.enqueued == 0)
        #expect(restartedAgain.nextWakeUp == fourth.nextWakeUp)
    }

    @Test func aRepeatRecordForTheSameChildOpenedBetweenTicksGetsItsRepeatAlert() async throws {
        let p = try Pipeline(standardRoles + "\n[files]\ndirectory = \"out\"")
        let poller = try p.poller()
        try openByCLI(p, "DR-1", at: "2026-11-23T10:00", child: "C-1")
        _ = try await poller.tick(now: london("2026-11-23T10:05"))
        try openByCLI(p, "DR-2", at: "2026-11-23T10:10", child: "C-1")
        let t = london("2026-11-23T10:15")
        let dry = try await fresh(p, at: t)
        let s = try await poller.tick(now: t)
        // Exactly what a fresh Poller plans, the repeat context included.
        #expect(Set(s.planned.map(\.item.identity)) == Set(dry.planned.map(\.item.identity)))
        #expect(s.enqueued > 0)
    }

    @Test func aRepeatRecordCountsTheChildsClosedRecordsBeforeAndBetweenTicks() async throws {
        let p = try Pipeline(standardRoles + "\nservice-manager = [\"sm@council.example\"]\n[files]\ndirectory = \"out\"")
        try openByCLI(p, "DR-1", at: "2026-11-16T10:00", child: "C-1", kind: "qop-alert")
        try cli(p, ["dispute", "resolve", "DR-1", "--outcome", "agreed", "--at", "2026-11-17T10:00"])
        try openByCLI(p, "DR-2", at: "2026-11-23T10:00", child: "C-1", kind: "qop-alert")
        let poller = try p.poller()
        let first = try await poller.tick(now: london("2026-11-23T10:05"))
        // DR-1 is closed, yet DR-2 is the child's second Quality of Practice Alert: its repeat alert goes out (full read).
        #expect(first.openDisputes == 1)
        #expect(first.planned.contains { $0.item.identity.hasPrefix("DR-2/") && $0.item.identity.contains("/repeat") })
        // Opened between ticks after a closed one: the incremental read counts it too.
        try cli(p, ["dispute", "resolve", "DR-2", "--outcome", "agreed", "--at", "2026-11-23T11:00"])
        try openByCLI(p, "DR-3", at: "2026-11-23T11:10", child: "C-1", kind: "qop-alert")
        let t = london("2026-11-23T11:15")
        let dry = try await fresh(p, at: t)
        let second = try await poller.tick(now: t)
        #expect(second.openDisputes == 1)
        #expect(second.planned.contains { $0.item.identity.hasPrefix("DR-3/") && $0.item.identity.contains("/repeat") })
        #expect(Set(second.planned.map(\.item.identity)) == Set(dry.planned.map(\.item.identity)))
    }

    @Test func aDisputeUnreadableAfterAChangeIsSkippedAtEveryTickAndTheOthersAreServed() async throws {
        let p = try Pipeline(standardRoles + "\n[files]\ndirectory = \"out\"")
        try p.open("DR-1"); try p.open("DR-FAR")
        let poller = try p.poller()
        let t0 = london("2026-11-23T10:05")
        #expect(try await poller.tick(now: t0).openDisputes == 2)
        // An event dated Int64.max ms, appended behind drwatch's back by another SQLite client.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", p.config.database,
                            "INSERT INTO events (dispute_id, seq, kind, at, note) SELECT id, 2, 'note', 9223372036854775807, 'x' FROM disputes WHERE ref = 'DR-FAR'"]
        try writer.run(); writer.waitUntilExit()
        try #require(writer.terminationStatus == 0)
        try cli(p, ["dispute", "escalate", "DR-1", "--at", "2026-11-23T10:20", "--by", "iro:iro@council.example"])
        let second = try await poller.tick(now: london("2026-11-23T10:30"))
        #expect(p.logs.all.contains { $0.contains("refresh=changed(2)") }, "\(p.logs.all)")
        #expect(second.skipped.map(\.ref) == ["DR-FAR"] && second.openDisputes == 1)
        #expect(second.planned.contains { $0.item.identity.hasPrefix("DR-1/s2/") })
        // Still named at the next tick, with nothing changed; a fresh Poller says the same.
        let third = try await poller.tick(now: london("2026-11-23T10:35"))
        #expect(third.skipped.map(\.ref) == ["DR-FAR"] && third.openDisputes == 1)
        #expect(try await fresh(p, at: london("2026-11-23T10:35")).skipped.map(\.ref) == ["DR-FAR"])
        #expect(p.logs.all.filter { $0.contains("Dispute skipped") && $0.contains("dispute.ref=DR-FAR") && $0.contains("impossible date") }.count >= 2)
        // Once closed, it is no longer named.
        try (p.store as! SQLiteStore).withDatabase { db in
            try db.execute("UPDATE disputes SET is_closed = 1 WHERE ref = 'DR-FAR'", operation: "test")
        }
        let fourth = try await poller.tick(now: london("2026-11-23T10:40"))
        #expect(fourth.skipped.isEmpty && fourth.openDisputes == 1)
    }

    @Test func aRebuiltStoreIsReadWholeAgain() async throws {
        let p = try Pipeline(standardRoles + "\n[files]\ndirectory = \"out\"")
        try p.open("DR-1"); try p.open("DR-2")
        let poller = try p.poller()
        let t0 = london("2026-11-23T10:05")
        #expect(try await poller.tick(now: t0).openDisputes == 2)
        // A hand edit that deletes a dispute row (the history cannot say what went): the epoch changes.
        try (p.store as! SQLiteStore).withDatabase { db in
            try db.execute("PRAGMA foreign_keys = OFF", operation: "test")
            try db.execute("DELETE FROM people WHERE dispute_id = (SELECT id FROM disputes WHERE ref = 'DR-2')", operation: "test")
            try db.execute("DELETE FROM disputes WHERE ref = 'DR-2'", operation: "test")
            try db.execute("PRAGMA foreign_keys = ON", operation: "test")
        }
        let s = try await poller.tick(now: t0.addingTimeInterval(60))
        #expect(s.openDisputes == 1)
        #expect(p.logs.all.contains { $0.contains("Open disputes refreshed") && $0.contains("refresh=full") })
    }

    @Test func identityHashesOfWebhookIdentitiesMatchTheStrings() {
        #expect(KnownIdentities.hash("DR-1/s1/opened/iro", hook: "safeguarding") == KnownIdentities.hash(webhookIdentity("DR-1/s1/opened/iro", hook: "safeguarding")))
        #expect(webhookIdentity("DR-1/s1/opened/iro", hook: "safeguarding") == "DR-1/s1/opened/iro@safeguarding")
        var known = KnownIdentities()
        known.insert("DR-1/s1/opened/iro")
        #expect(known.contains("DR-1/s1/opened/iro") && !known.contains("DR-1/s1/opened/iro@safeguarding"))
    }
}
