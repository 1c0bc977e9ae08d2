import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// An instant written as ISO 8601 UTC, e.g. "2019-04-02T10:00:00Z".
func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

/// A dispute opened and closed (resolved, or withdrawn when `outcome` is nil) at these instants.
func closedDispute(ref: String, child: String, opened: String, closed: String, outcome: String?, category: IssueCategory = .general,
                   type: DisputeType = .practice, team: String? = nil, stage: Int? = nil,
                   people: [String: [String]] = [:]) -> Dispute {
    var events = [DisputeEvent(at: utc(opened), by: iro, change: .opened(stage: 1))]
    if let stage { events.append(DisputeEvent(at: utc(opened).addingTimeInterval(3600), by: iro, change: .escalated(toStage: stage, reason: nil))) }
    events.append(DisputeEvent(at: utc(closed), by: iro, change: outcome.map { .resolved(outcome: $0) } ?? .withdrawn(reason: "raised in error")))
    return Dispute(ref: ref, policy: "four-stage", kind: .formal, category: category, type: type, division: .englandAndWales,
                   childRef: child, team: team, raisedBy: iro, people: people, events: events)
}

/// Retention, the poll record, the notification counters and subject access (`OperationsStore`),
/// the same on every backend.
@Suite("Operations on the store")
struct OperationsStoreTests {
    /// Four disputes past a 1 Jan 2020 cut-off (two alike, so counted together), one closed
    /// after it, one open since 2018; a sent message and a web audit row of the first.
    static func seeded(_ backend: Backend) throws -> (StoreFixture, any StoreBackend) {
        let fixture = try StoreFixture(backend)
        let store = try fixture.store()
        try store.insert(closedDispute(ref: "OLD-1", child: "C-1", opened: "2019-01-10T10:00:00Z", closed: "2019-04-02T10:00:00Z",
                                       outcome: "plan amended", category: .carePlanImplementation, type: .delay, team: "North Team",
                                       stage: 3, people: ["team-manager": ["tm@council.example"]]))
        try store.insert(closedDispute(ref: "OLD-2", child: "C-2", opened: "2019-02-01T10:00:00Z", closed: "2019-05-01T10:00:00Z", outcome: nil))
        // Raised 00:30 on 1 April and withdrawn 00:59 on 1 July, London time: 2019Q2 and 2019Q3.
        try store.insert(closedDispute(ref: "OLD-3", child: "C-3", opened: "2019-03-31T23:30:00Z", closed: "2019-06-30T23:59:00Z", outcome: nil))
        try store.insert(closedDispute(ref: "OLD-4", child: "C-4", opened: "2019-03-01T10:00:00Z", closed: "2019-04-01T10:00:00Z", outcome: nil))
        try store.insert(closedDispute(ref: "KEPT", child: "C-1", opened: "2019-12-01T10:00:00Z", closed: "2020-01-01T00:00:00Z", outcome: "agreed"))
        try store.insert(openDispute(ref: "OPEN", at: utc("2018-01-10T10:00:00Z")))
        var old = outboxItem("old-opened"); old.ref = "OLD-1"
        var open = outboxItem("open-opened"); open.ref = "OPEN"
        #expect(try store.enqueue([old, open]) == 2)
        let id = try #require(try store.outbox(filter: .all).first { $0.item.identity == "old-opened" }?.id)
        try store.markSent(id: id, at: utc("2019-01-10T10:05:00Z"))
        try fixture.execute("""
            INSERT INTO audit (at, actor, action, dispute_ref, outcome) VALUES (0, 'tm@council.example', 'view', 'OLD-1', 'ok');
            INSERT INTO audit (at, actor, action, dispute_ref, outcome) VALUES (0, 'tm@council.example', 'view', 'OPEN', 'ok');
            """)
        return (fixture, store)
    }

    static let cutoff = utc("2020-01-01T00:00:00Z")

    @Test(arguments: Backend.all)
    func purgeRemovesExactlyTheClosedDisputesPastRetentionKeepsTheirCountsAndLogsIt(_ backend: Backend) throws {
        let (fixture, store) = try Self.seeded(backend)
        var expected = PurgeSummary(cutoff: Self.cutoff)
        expected.disputes = 4; expected.events = 9; expected.people = 1; expected.messages = 1; expected.auditRows = 1
        expected.newestClosure = utc("2019-06-30T23:59:00Z")
        #expect(try store.purgePlan(closedBefore: Self.cutoff) == expected)
        #expect(try store.retentionLog() == [])

        #expect(try store.purge(closedBefore: Self.cutoff, now: instant(), by: "test") == expected)
        #expect(try store.disputes(openOnly: false).map(\.ref).sorted() == ["KEPT", "OPEN"])
        #expect(try store.outbox(filter: .all).map(\.item.identity) == ["open-opened"])
        #expect(try fixture.ints("SELECT COUNT(*), (SELECT COUNT(*) FROM purge_grant), (SELECT COUNT(*) FROM people) FROM audit") == [1, 0, 0])
        #expect(try store.purgedCounts() == [
            PurgedCount(raisedQuarter: "2019Q1", closedQuarter: "2019Q2", policy: "four-stage", kind: "formal",
                        category: "care-plan-implementation", type: "D", team: "North Team", highestStage: 3, outcome: "resolved", disputes: 1),
            PurgedCount(raisedQuarter: "2019Q1", closedQuarter: "2019Q2", policy: "four-stage", kind: "formal",
                        category: "general", type: "P", team: "", highestStage: 1, outcome: "withdrawn", disputes: 2),
            PurgedCount(raisedQuarter: "2019Q2", closedQuarter: "2019Q3", policy: "four-stage", kind: "formal",
                        category: "general", type: "P", team: "", highestStage: 1, outcome: "withdrawn", disputes: 1),
        ])
        #expect(try store.retentionLog() == [
            RetentionLogEntry(at: instant(), what: "closed-disputes", cutoff: Self.cutoff, disputes: 4, events: 9, people: 1, messages: 1,
                              audit: 1, files: 0, newest: utc("2019-06-30T23:59:00Z"), by: "test"),
        ])

        // A later purge adds to the counts kept.
        try store.append(DisputeEvent(at: utc("2020-02-01T10:00:00Z"), by: iro, change: .withdrawn(reason: "no longer needed")), toRef: "OPEN")
        var second = PurgeSummary(cutoff: utc("2021-01-01T00:00:00Z"))
        second.disputes = 2; second.events = 4; second.messages = 1; second.auditRows = 1; second.newestClosure = utc("2020-02-01T10:00:00Z")
        #expect(try store.purge(closedBefore: utc("2021-01-01T00:00:00Z"), now: instant(60), by: "daemon") == second)
        #expect(try store.purgedCounts().map { "\($0.raisedQuarter) \($0.closedQuarter) \($0.outcome) \($0.disputes)" }
                == ["2018Q1 2020Q1 withdrawn 1", "2019Q1 2019Q2 resolved 1", "2019Q1 2019Q2 withdrawn 2", "2019Q2 2019Q3 withdrawn 1",
                   "2019Q4 2020Q1 resolved 1"])
        #expect(try store.retentionLog().map(\.by) == ["test", "daemon"])
        #expect(try store.disputes(openOnly: false).isEmpty)
        #expect(try store.purge(closedBefore: utc("2021-01-01T00:00:00Z"), now: instant(120), by: "test").disputes == 0)
    }

    static let refusals: [(String, String)] = [
        ("DELETE FROM events WHERE dispute_id = (SELECT id FROM disputes WHERE ref = 'OLD-1')",
         "events are append-only (only drwatch purge removes a closed dispute past retention)"),
        ("DELETE FROM audit WHERE dispute_ref = 'OLD-1'",
         "the audit trail is append-only (only drwatch purge removes a closed dispute past retention)"),
        ("INSERT INTO purge_grant (dispute_id) SELECT id FROM disputes WHERE ref = 'OPEN'", "only a closed dispute can be purged"),
        ("BEGIN; INSERT INTO purge_grant (dispute_id) SELECT id FROM disputes WHERE ref = 'OPEN'; COMMIT", "only a closed dispute can be purged"),
    ]

    @Test(arguments: Backend.all, refusals)
    func outsideAPurgeHistoryStaysAppendOnly(_ backend: Backend, _ refusal: (sql: String, message: String)) throws {
        let (fixture, _) = try Self.seeded(backend)
        let error = try #require(throws: StoreError.self) { try fixture.execute(refusal.sql) }
        #expect(error.code == .constraint)
        #expect(error.description.contains(refusal.message), "\(error)")
        #expect(try fixture.ints("SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM audit), (SELECT COUNT(*) FROM purge_grant)") == [12, 2, 0])
    }

    @Test(arguments: Backend.all, [
        "UPDATE retention_log SET disputes = 0", "DELETE FROM retention_log",
    ])
    func theRetentionLogIsAppendOnly(_ backend: Backend, _ sql: String) throws {
        let (fixture, store) = try Self.seeded(backend)
        _ = try store.purge(closedBefore: Self.cutoff, now: instant(), by: "test")
        let error = try #require(throws: StoreError.self) { try fixture.execute(sql) }
        #expect(error.code == .constraint)
        #expect(error.description.contains("the retention log is append-only"), "\(error)")
        #expect(try store.retentionLog().map(\.disputes) == [4])
    }

    @Test(arguments: Backend.all)
    func sentMessagesArePrunedButNeverAnOpenDisputesAndTheCountersStay(_ backend: Backend) throws {
        let (_, store) = try Self.seeded(backend)
        let open = try #require(try store.outbox(filter: .all).first { $0.item.identity == "open-opened" }?.id)
        try store.markSent(id: open, at: utc("2018-01-10T10:05:00Z"))
        var loose = outboxItem("digest"); loose.ref = nil
        try store.enqueue([loose])
        let digest = try #require(try store.outbox(filter: .all).first { $0.item.identity == "digest" }?.id)
        try store.markSent(id: digest, at: utc("2019-07-01T09:00:00Z"))
        let counts = try store.notificationCounts()
        #expect(counts == [NotificationCount(channel: "email", enqueued: 3, sent: 3, failed: 0, parked: 0)])

        // OLD-1's message goes with its purge, so is not counted twice.
        #expect(try store.prunableSentMessages(sentBefore: Self.cutoff, afterPurgeBefore: Self.cutoff) == 1)
        #expect(try store.prunableSentMessages(sentBefore: Self.cutoff, afterPurgeBefore: utc("2000-01-01T00:00:00Z")) == 2)
        #expect(try store.pruneSentMessages(sentBefore: Self.cutoff, files: 2, now: instant(), by: "daemon") == 2)
        #expect(try store.outbox(filter: .all).map(\.item.identity) == ["open-opened"])
        #expect(try store.retentionLog() == [
            RetentionLogEntry(at: instant(), what: "sent-messages", cutoff: Self.cutoff, disputes: 0, events: 0, people: 0, messages: 2,
                              audit: 0, files: 2, newest: utc("2019-07-01T09:00:00Z"), by: "daemon"),
        ])
        #expect(try store.notificationCounts() == counts)
    }

    @Test(arguments: Backend.all)
    func thePollRecordKeepsTheLastPollsAndTheirTotals(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        #expect(try store.pollRecord() == PollRecord())
        try store.recordPoll(at: instant(10), durationMs: 250, succeeded: true)
        try store.recordPoll(at: instant(70), durationMs: 150, succeeded: true)
        try store.recordPoll(at: instant(100), durationMs: 0, succeeded: false)
        try store.recordDailyPurge(at: instant(200))
        #expect(try store.pollRecord() == PollRecord(lastCompletedAt: instant(70), lastDurationMs: 150, lastFailedAt: instant(100), polls: 2,
                                                     failures: 1, durationMsTotal: 400, lastPurgeAt: instant(200)))
    }

    @Test(arguments: Backend.all)
    func theCountersCountEveryMessageByChannelAndTheHealthSeesTheQueue(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        var hook = outboxItem("d", at: instant(3)); hook.channel = "webhook"
        try store.enqueue([outboxItem("a", at: instant(0)), outboxItem("b", at: instant(1)), outboxItem("c", at: instant(2)), hook])
        let ids = Dictionary(uniqueKeysWithValues: try store.outbox(filter: .all).map { ($0.item.identity, $0.id) })
        try store.markSent(id: ids["a"]!, at: instant(10))
        #expect(try store.markAttemptFailed(id: ids["b"]!, error: "refused", nextAttemptAt: instant(60)) == 1)
        #expect(try store.markAttemptFailed(id: ids["b"]!, error: "refused", nextAttemptAt: instant(120)) == 2)
        try store.park(id: ids["c"]!, error: "rejected")
        #expect(try store.notificationCounts() == [
            NotificationCount(channel: "email", enqueued: 3, sent: 1, failed: 2, parked: 1),
            NotificationCount(channel: "webhook", enqueued: 1, sent: 0, failed: 0, parked: 0),
        ])
        var health = OutboxHealth()
        health.pending = 1; health.failed = 1; health.parked = 1; health.oldestUnsentAt = instant(1)
        #expect(try store.outboxHealth() == health)
    }

    @Test(arguments: Backend.all)
    func subjectAccessReadsEverythingHeldAboutOneChildAndNothingElse(_ backend: Backend) throws {
        let (fixture, store) = try Self.seeded(backend)
        let held = try store.held(childRef: "C-1", disputeRef: nil)
        #expect(held.map(\.table) == ["disputes", "events", "people", "pause_requests", "outbox", "outbox_recipients", "audit"])
        #expect(held.map(\.rows.count) == [2, 5, 1, 0, 1, 1, 1])
        let disputes = try #require(held.first)
        let ref = try #require(disputes.columns.firstIndex(of: "ref"))
        #expect(disputes.rows.map { $0[ref] } == [.text("KEPT"), .text("OLD-1")])
        let outbox = held[4]
        #expect(outbox.rows[0][try #require(outbox.columns.firstIndex(of: "payload"))] == .text(#"{"ref":"CASE-0001"}"#))
        #expect(outbox.rows[0][try #require(outbox.columns.firstIndex(of: "sent_at"))] == .integer(Int64(utc("2019-01-10T10:05:00Z").timeIntervalSince1970 * 1000)))
        #expect(held[1].columns.prefix(3) == ["dispute_ref", "dispute_id", "seq"])
        let one = try store.held(childRef: nil, disputeRef: "OPEN")
        #expect(one.map(\.rows.count) == [1, 1, 0, 0, 1, 1, 1])
        _ = fixture
    }

    /// What `drwatch export` writes is the same whichever store holds it.
    @Test func subjectAccessIsTheSameOnEveryBackend() throws {
        guard Backend.all.count > 1 else { return }
        let sqlite = try Self.seeded(.sqlite).1.held(childRef: "C-1", disputeRef: nil)
        let pg = try Self.seeded(.postgresql).1.held(childRef: "C-1", disputeRef: nil)
        for (a, b) in zip(sqlite, pg) {
            #expect(a.table == b.table)
            #expect(a.columns == b.columns, "\(a.table)")
            #expect(a.rows == b.rows, "\(a.table)")
        }
    }
}
