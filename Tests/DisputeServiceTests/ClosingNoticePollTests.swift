import DisputeCore
@testable import DisputeStore
import Foundation
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// A dispute closed by someone else sends its closing notice exactly once: the poller keeps
/// evaluating a closed dispute until its notices are in the outbox, then stops; a restart
/// re-reads only the disputes closed within the window (7 days).
@Suite("Closing notices in the poller", .serialized)
struct ClosingNoticePollTests {
    static let toml = standardRoles + "\n[files]\ndirectory = \"out\""
    static let manager = Actor(role: "service-manager", email: "sm@council.example")

    func resolve(_ p: Pipeline, _ ref: String, at: String, by: Actor = manager) throws {
        try p.store.append(DisputeEvent(at: london(at), by: by, change: .resolved(outcome: "Plan agreed")), toRef: ref)
    }

    @Test func theRaiserIsToldOnceAndTheClosedDisputeIsThenNoLongerEvaluated() async throws {
        let p = try Pipeline(Self.toml)
        try p.open("DR-1")                                         // four-stage, raised by the IRO Mon 23 Nov 10:00
        let poller = try p.poller()
        #expect(try await poller.tick(now: london("2026-11-23T10:05")).enqueued == 1)   // its opening notice
        try resolve(p, "DR-1", at: "2026-11-24T09:00")             // the Service Manager resolves it
        // A dry run (a fresh poller) sees the closed dispute kept for its notice, and writes nothing.
        let dry = try await p.poller().tick(now: london("2026-11-24T09:02"), dryRun: true)
        #expect(dry.planned.map(\.item.identity) == ["DR-1/s1/resolved/iro"])
        #expect(dry.closedAwaitingNotices == 1 && dry.openDisputes == 0)
        let second = try await poller.tick(now: london("2026-11-24T09:05"))
        #expect(second.planned.map(\.item.identity) == ["DR-1/s1/resolved/iro"])
        #expect(second.planned.first?.item.recipients == ["iro@council.example"])
        #expect(second.openDisputes == 0)
        #expect(second.closedAwaitingNotices == 0)                 // its notice is in the outbox: no longer evaluated
        let third = try await poller.tick(now: london("2026-11-24T09:10"))
        #expect(third.enqueued == 0 && third.closedAwaitingNotices == 0)
        // A restarted daemon within the window reads it again, finds its notice in the outbox, and drops it.
        let restarted = try p.poller()
        let r1 = try await restarted.tick(now: london("2026-11-25T09:00"))
        #expect(r1.enqueued == 0 && r1.closedAwaitingNotices == 0)
    }

    /// Dropping a closed dispute from its group keeps the group's engine contexts in step with
    /// its disputes (they are parallel arrays: a stale one stopped the daemon with SIGILL at the
    /// next poll's batch evaluation).
    @Test func anOpenDisputeBesideADroppedClosedOneIsStillEvaluated() async throws {
        let p = try Pipeline(Self.toml)
        try p.open("DR-1")
        try p.open("DR-2")
        let poller = try p.poller()
        #expect(try await poller.tick(now: london("2026-11-23T10:05")).enqueued == 2)
        try resolve(p, "DR-1", at: "2026-11-24T09:00")
        let second = try await poller.tick(now: london("2026-11-24T09:05"))
        #expect(second.planned.map(\.item.identity) == ["DR-1/s1/resolved/iro"])
        #expect(second.closedAwaitingNotices == 0 && second.openDisputes == 1)
        // The next polls evaluate DR-2 alone: and later its reminders and breach alerts go out.
        let third = try await poller.tick(now: london("2026-11-24T09:10"))
        #expect(third.enqueued == 0 && third.openDisputes == 1)
        let later = try await poller.tick(now: london("2026-12-10T09:00"))
        #expect(later.openDisputes == 1)
        #expect(later.planned.allSatisfy { $0.item.identity.hasPrefix("DR-2/") } && !later.planned.isEmpty,
                "\(later.planned.map(\.item.identity))")
    }

    // (closed at, polled first at, what is enqueued) for a dispute closed while no daemon ran.
    static let windows: [(closed: String, poll: String, enqueued: [String])] = [
        ("2026-11-24T09:00", "2026-11-24T09:05", ["DR-1/s1/resolved/iro"]),
        ("2026-11-24T09:00", "2026-12-01T09:00", ["DR-1/s1/resolved/iro"]),   // 7 days later, to the minute: still sent
        ("2026-11-24T09:00", "2026-12-01T09:01", []),                         // past the window: not sent
    ]

    @Test(arguments: windows)
    func aDaemonStartedAfterTheClosingSendsItsNoticeWithinTheWindowOnly(closed: String, poll: String, enqueued: [String]) async throws {
        let p = try Pipeline(Self.toml)
        try p.open("DR-1")
        try resolve(p, "DR-1", at: closed)
        let first = try await p.poller().tick(now: london(poll))
        #expect(first.planned.map(\.item.identity) == enqueued)
    }

    @Test func theRaisersOwnClosingSendsNothing() async throws {
        let p = try Pipeline(Self.toml)
        try p.open("DR-1")
        let poller = try p.poller()
        _ = try await poller.tick(now: london("2026-11-23T10:05"))
        try resolve(p, "DR-1", at: "2026-11-24T09:00", by: Actor(role: "iro", email: "iro@council.example"))
        let second = try await poller.tick(now: london("2026-11-24T09:05"))
        #expect(second.enqueued == 0 && second.closedAwaitingNotices == 0)
    }
}
