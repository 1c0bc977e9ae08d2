import Delivery
import DisputeCore
import DisputeStore
import Foundation
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The pipeline end to end: a real SQLite file, a real SMTP server (aiosmtpd) and a real HTTP
/// receiver on 127.0.0.1. Time is a parameter: retries are reached by advancing `now`.
@Suite("Poller", .serialized)
struct PollerTests {
    static let opened = london("2026-11-23T10:05")

    @Test func intentsAreEnqueuedOnceAcrossRepeatedTicks() async throws {
        let p = try Pipeline(standardRoles + "\n[files]\ndirectory = \"out\"")
        try p.open("DR-1"); try p.open("DR-2")
        let poller = try p.poller()
        let first = try await poller.tick(now: Self.opened)
        #expect(first.enqueued == 2 && first.sent == 2 && first.openDisputes == 2)
        for minutes in [1, 2, 60] {
            let again = try await poller.tick(now: Self.opened.addingTimeInterval(Double(minutes * 60)))
            #expect(again.enqueued == 0 && again.sent == 0)
        }
        #expect(try p.store.outboxCounts() == OutboxCounts(sent: 2))
        let files = try FileManager.default.contentsOfDirectory(atPath: p.dir.appendingPathComponent("out").path)
        #expect(files.filter { $0.hasSuffix(".eml") }.count == 2)
        #expect(first.statusLine == "2 open disputes, 0 overdue, 0 pending")
    }

    @Test func dryRunWritesNothingAndSaysWhy() async throws {
        let p = try Pipeline(standardRoles)
        try p.open("DR-1")
        let s = try await p.poller().tick(now: Self.opened, dryRun: true)
        #expect(s.enqueued == 1)
        #expect(s.planned[0].reason.contains("notice to team-manager"))
        #expect(try p.store.outbox(filter: .all).isEmpty)
    }

    @Test func aDisputeWhosePolicyIsGoneIsSkippedAndOthersAreServed() async throws {
        let p = try Pipeline(standardRoles)
        try p.open("DR-1"); try p.open("DR-GONE", policy: "removed-policy")
        let s = try await p.poller().tick(now: Self.opened)
        #expect(s.skipped.map(\.ref) == ["DR-GONE"])
        #expect(s.sent == 1)
        #expect(p.logs.all.contains { $0.contains("Dispute skipped") && $0.contains("dispute.ref=DR-GONE") })
    }

    @Test func smtpReceivesEachMessageOnceWithCopiedRolesInTheEnvelope() async throws {
        let smtp = try TestServer("smtp_server.py")
        let p = try Pipeline(standardRoles + "\n[email]\nurl = \"smtp://127.0.0.1:\(smtp.port)\"\nfrom = \"drwatch <drwatch@council.example>\"\ntls = \"none\"\nics = true\n")
        try p.open("DR-1")
        let poller = try p.poller()
        _ = try await poller.tick(now: Self.opened)
        _ = try await poller.tick(now: Self.opened.addingTimeInterval(300))
        let messages = smtp.records("msg-")
        try #require(messages.count == 1)
        #expect(Set(messages[0]["rcpt_tos"] as? [String] ?? []) == ["tm@council.example", "iro@council.example"])
        let data = (messages[0]["data"] as? String ?? "").replacingOccurrences(of: "\r\n ", with: " ")
        #expect(data.contains("Subject: DR-1: Stage 1: IRO meets the Team Manager is with you, due Mon 30 Nov 2026, 17:00"))
        #expect(data.contains("Cc: iro@council.example"))
        #expect(data.contains("text/html") && data.contains("text/calendar"))
    }

    @Test func aBatchOverOneConnectionRecordsEachMessageAsSoonAsItIsAccepted() async throws {
        let dir = try tempFolder("probe")
        let db = dir.appendingPathComponent("db.sqlite").path
        let smtp = try TestServer("smtp_server.py", ["--probe-db", db])
        let p = try Pipeline(standardRoles + "\n[email]\nurl = \"smtp://127.0.0.1:\(smtp.port)\"\nfrom = \"drwatch@council.example\"\ntls = \"none\"\n", database: db)
        let n = 6
        for i in 1...n { try p.open("DR-\(i)") }
        let s = try await p.poller().tick(now: Self.opened)
        #expect(s.sent == n)
        let messages = smtp.records("msg-")
        try #require(messages.count == n)
        // One connection for the batch, and when message k's data reached the server, the k
        // messages before it were already marked sent in the store.
        #expect(Set(messages.map { "\($0["peer"] ?? "")" }).count == 1)
        #expect(messages.map { $0["sent_before"] as? Int } == (0..<n).map { $0 })
    }

    @Test func mailServerDownForTwoAttemptsIsDeliveredOnceAfterItComesBackWithBackoff() async throws {
        let down = closedPort()
        let config = { (port: Int) in standardRoles + "\n[email]\nurl = \"smtp://127.0.0.1:\(port)\"\nfrom = \"drwatch@council.example\"\ntls = \"none\"\n[delivery]\nbackoff_seconds = 60\nmax_attempts = 5\n" }
        let p = try Pipeline(config(down))
        try p.open("DR-1")
        let poller = try p.poller(jitter: 1)
        let t0 = Self.opened
        let s1 = try await poller.tick(now: t0)
        #expect(s1.failed == 1 && s1.sent == 0)
        var entry = try p.store.outbox(filter: .pending)[0]
        #expect(entry.nextAttemptAt == t0.addingTimeInterval(60))          // 60 s after the first failure
        #expect(s1.nextWakeUp == t0.addingTimeInterval(60))
        let early = try await poller.tick(now: t0.addingTimeInterval(59))  // not due yet: no attempt
        #expect(early.failed == 0 && early.sent == 0)
        let s2 = try await poller.tick(now: t0.addingTimeInterval(60))
        #expect(s2.failed == 1)
        entry = try p.store.outbox(filter: .pending)[0]
        #expect(entry.attempts == 2 && entry.nextAttemptAt == t0.addingTimeInterval(60 + 120))   // doubled
        #expect(p.logs.all.contains { $0.contains("will retry") && $0.contains("dispute.ref=DR-1") })

        // The server comes back (on another port: the same outbox, the daemon restarted with it).
        let smtp = try TestServer("smtp_server.py")
        let back = try Pipeline.reopen(p, toml: config(smtp.port))
        let s3 = try await back.poller().tick(now: t0.addingTimeInterval(180))
        #expect(s3.sent == 1)
        _ = try await back.poller().tick(now: t0.addingTimeInterval(3600))
        #expect(smtp.records("msg-").count == 1)
    }

    @Test func webhookAnswering500Then200IsDeliveredOnceSignedWithTheIdentity() async throws {
        let dir = try tempFolder("hook")
        try Data("whsec-very-secret-key-of-32-bytes-or-more".utf8).write(to: dir.appendingPathComponent("secret"))
        chmod(dir.appendingPathComponent("secret").path, 0o600)
        let http = try TestServer("http_receiver.py", ["--statuses", "500,200", "--secret-file", dir.appendingPathComponent("secret").path])
        let p = try Pipeline(standardRoles + """

            [files]
            directory = "out"
            [[webhook]]
            name = "tm-channel"
            url = "http://127.0.0.1:\(http.port)/hooks/T0KEN-path-secret"
            secret_file = "\(dir.appendingPathComponent("secret").path)"
            roles = ["team-manager"]
            """)
        try p.open("DR-1")
        let poller = try p.poller()
        let s1 = try await poller.tick(now: Self.opened)
        #expect(s1.enqueued == 2 && s1.sent == 1 && s1.failed == 1)   // mail written, webhook 500
        let s2 = try await poller.tick(now: Self.opened.addingTimeInterval(120))
        #expect(s2.sent == 1)
        _ = try await poller.tick(now: Self.opened.addingTimeInterval(7200))
        let requests = http.records("req-")
        #expect(requests.map { $0["status"] as? Int } == [500, 200])
        #expect(requests.allSatisfy { $0["signature_ok"] as? Bool == true })
        let body = try JSONSerialization.jsonObject(with: Data((requests[1]["body"] as? String ?? "").utf8)) as? [String: Any]
        #expect(body?["id"] as? String == "DR-1/s1/opened/team-manager@tm-channel")
        #expect(body?["ref"] as? String == "DR-1")
        for line in p.logs.all { #expect(!line.contains("whsec-very-secret-key-of-32-bytes-or-more") && !line.contains("T0KEN-path-secret")) }
    }

    @Test func webhookAnswering400IsParkedNotRetriedAndTheAdminIsToldByMail() async throws {
        let http = try TestServer("http_receiver.py", ["--statuses", "400"])
        let p = try Pipeline(standardRoles + """

            [files]
            directory = "out"
            [[webhook]]
            name = "tm-channel"
            url = "http://127.0.0.1:\(http.port)/hook"
            format = "slack"
            roles = ["team-manager"]
            """)
        try p.open("DR-1")
        let poller = try p.poller()
        let s1 = try await poller.tick(now: Self.opened)
        #expect(s1.parked == 1)
        _ = try await poller.tick(now: Self.opened.addingTimeInterval(86_400))
        #expect(http.records("req-").count == 1)
        let parked = try p.store.outbox(filter: .parked)
        #expect(parked.map(\.item.identity) == ["DR-1/s1/opened/team-manager@tm-channel"])
        let notices = try p.store.outbox(filter: .all).filter { $0.item.event == "admin-parked" }
        try #require(notices.count == 1)
        #expect(notices[0].state == .sent && notices[0].item.channel == "files")
        #expect(notices[0].item.recipients == ["admin@council.example"])
        #expect(notices[0].item.body.contains("drwatch outbox retry \(parked[0].id)"))
    }

    @Test func aParkedAdminNoticeIsNotItselfNotified() async throws {
        // Mail via a server that refuses every recipient permanently; no webhook, no [files]:
        // the dispute's message parks, its notice goes to the file transport next to the database.
        let smtp = try TestServer("smtp_server.py", ["--reject", "tm@council.example", "--reject", "iro@council.example"])
        let p = try Pipeline(standardRoles + "\n[email]\nurl = \"smtp://127.0.0.1:\(smtp.port)\"\nfrom = \"drwatch@council.example\"\ntls = \"none\"\n")
        try p.open("DR-1")
        let s = try await p.poller().tick(now: Self.opened)
        #expect(s.parked == 1)
        let all = try p.store.outbox(filter: .all)
        #expect(all.count == 2)
        #expect(all.first { $0.item.event == "admin-parked" }?.state == .sent)
    }

    @Test func aCaseReferenceCarryingCRLFBccSendsNoBcc() async throws {
        let smtp = try TestServer("smtp_server.py")
        let p = try Pipeline(standardRoles + "\n[email]\nurl = \"smtp://127.0.0.1:\(smtp.port)\"\nfrom = \"drwatch@council.example\"\ntls = \"none\"\n")
        try p.open("DR-9\r\nBcc: attacker@example.org")
        let s = try await p.poller().tick(now: Self.opened)
        #expect(s.sent == 1)
        let messages = smtp.records("msg-")
        try #require(messages.count == 1)
        #expect(!(messages[0]["rcpt_tos"] as? [String] ?? []).contains("attacker@example.org"))
        let data = messages[0]["data"] as? String ?? ""
        let headers = data.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.lowercased().contains("\nbcc:"))
        #expect(!data.contains("\r\nBcc:"))   // not even in the body: the reference is one line everywhere
    }

    @Test func noPasswordAppearsInAnyLogLineOrStoredError() async throws {
        let smtp = try TestServer("smtp_server.py", ["--user", "drwatch", "--password", "right-pa55word"])
        let p = try Pipeline(standardRoles + """

            [email]
            url = "smtp://127.0.0.1:\(smtp.port)"
            from = "drwatch@council.example"
            tls = "none"
            username = "drwatch"
            password_file = "smtp-password"
            """, files: ["smtp-password": "wrong-Pa55w0rd-xyz\n"])
        try p.open("DR-1")
        let s = try await p.poller().tick(now: Self.opened)
        #expect(s.parked == 1)   // login denied is permanent: parked, not hammered
        let stored = try p.store.outbox(filter: .all).compactMap(\.lastError)
        #expect(!stored.isEmpty)
        for text in p.logs.all + stored {
            #expect(!text.contains("wrong-Pa55w0rd-xyz"))
            #expect(!text.contains(Data("wrong-Pa55w0rd-xyz".utf8).base64EncodedString()))
        }
    }
}

extension Pipeline {
    /// The same database and folder with another config (the daemon restarted with a new one).
    static func reopen(_ p: Pipeline, toml: String) throws -> Pipeline {
        try Pipeline(sharing: p, toml: toml)
    }

    init(sharing p: Pipeline, toml: String) throws {
        dir = p.dir
        let text = """
            database = "\(p.config.database)"
            policies = ["\(fourStagePath)"]
            \(toml)
            """
        let path = dir.appendingPathComponent("drwatch.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        config = try DrwatchConfig.load(path: path, environment: [:])
        store = p.store
        engine = p.engine
    }
}

@Suite("Poller and bad rows", .serialized)
struct PollerBadRowTests {
    @Test func aDisputeWithAnImpossibleDateIsLoggedAndSkippedAndTheOthersAreServed() async throws {
        let p = try Pipeline(standardRoles)
        try p.open("DR-1"); try p.open("DR-FAR")
        // An event dated Int64.max ms, written behind drwatch's back by another SQLite client.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", p.config.database,
                            "INSERT INTO events (dispute_id, seq, kind, at, note) SELECT id, 2, 'note', 9223372036854775807, 'x' FROM disputes WHERE ref = 'DR-FAR'"]
        try writer.run(); writer.waitUntilExit()
        try #require(writer.terminationStatus == 0)
        let s = try await p.poller().tick(now: london("2026-11-23T10:05"))
        #expect(s.skipped.map(\.ref) == ["DR-FAR"])
        #expect(s.openDisputes == 1 && s.sent == 1)
        #expect(p.logs.all.contains { $0.contains("Dispute skipped") && $0.contains("dispute.ref=DR-FAR") && $0.contains("impossible date") })
    }
}
