import Delivery
import Foundation
import Logging

/// `drwatch-bench delivery`: emails per second to a local SMTP server over one reused
/// connection, and webhooks per second to a local HTTP receiver.
///
/// It starts the test servers itself (`Tests/DeliveryTests/Servers/*.py` with /usr/bin/python3
/// and Debian's python3-aiosmtpd, in `--discard` mode), on 127.0.0.1, plain SMTP (`tls = "none"`)
/// and plain HTTP, so the figures measure drwatch + libcurl, not TLS handshakes (one per batch).
/// Set DRWATCH_BENCH_SERVERS to the servers' folder when not run from the source tree.
enum DeliveryBench {
    static let emails = 1000
    static let webhooks = 3000

    static func run() throws {
        let dir = ProcessInfo.processInfo.environment["DRWATCH_BENCH_SERVERS"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Tests/DeliveryTests/Servers")
        var logger = Logger(label: "drwatch-bench") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical

        let smtp = try BenchServer(script: dir.appendingPathComponent("smtp_server.py"), arguments: ["--discard"])
        defer { smtp.stop() }
        let transport = try SMTPTransport(config: SMTPConfig(url: "smtp://127.0.0.1:\(smtp.port)", from: "drwatch <drwatch@council.example>",
                                                             tls: .none), logger: logger)
        let now = Date(timeIntervalSince1970: 1_796_113_800)
        let batch = (0..<emails).map { i in
            OutgoingEmail(id: "BENCH-\(i)/stage-2/reminder/team-manager", from: "drwatch <drwatch@council.example>",
                          to: ["tm@council.example"], cc: ["hos@council.example"], subject: "Stage 2 due Fri 4 Dec: case BENCH-\(i)",
                          textBody: String(repeating: "Stage 2 of case BENCH-\(i) is due on Friday 4 December at 17:00.\n", count: 10),
                          htmlBody: "<p>Stage 2 of case <b>BENCH-\(i)</b> is due on Friday 4 December at 17:00.</p>",
                          caseRef: "BENCH-\(i)", date: now)
        }
        let (mailResults, mailSeconds) = timed { await transport.send(batch) }
        let mailOK = mailResults.filter(\.isComplete).count
        guard mailOK == emails else {
            throw BenchError("delivery: only \(mailOK)/\(emails) emails accepted: \(mailResults.first { !$0.isComplete }?.error?.description ?? "")")
        }
        print("delivery smtp: \(Int((Double(emails) / mailSeconds).rounded())) emails/s (\(emails) messages, 2 recipients each, one connection)")

        let http = try BenchServer(script: dir.appendingPathComponent("http_receiver.py"), arguments: ["--discard"])
        defer { http.stop() }
        let hooks = try WebhookTransport(endpoint: WebhookEndpoint(name: "bench", url: "http://127.0.0.1:\(http.port)/hook"), logger: logger)
        let messages = (0..<webhooks).map { i in
            OutgoingWebhook(id: "BENCH-\(i)/2/overdue/hos", ref: "BENCH-\(i)", event: "overdue", stage: 2, due: now,
                            reason: "Stage 2 passed its deadline", roles: ["head-of-service"], title: "Stage 2 overdue: BENCH-\(i)",
                            text: "Please act.")
        }
        let (hookResults, hookSeconds) = timed { await hooks.send(messages, at: now) }
        let hookOK = hookResults.filter(\.delivered).count
        guard hookOK == webhooks else {
            throw BenchError("delivery: only \(hookOK)/\(webhooks) webhooks accepted: \(hookResults.first { !$0.delivered }?.error?.description ?? "")")
        }
        print("delivery webhook: \(Int((Double(webhooks) / hookSeconds).rounded())) webhooks/s (\(webhooks) requests, one keep-alive connection)")
    }

    /// Runs `body` from the main thread (not a concurrency-pool thread) and times it.
    static func timed<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> (T, Double) {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let start = ContinuousClock.now
        Task { box.value = await body(); done.signal() }
        done.wait()
        let d = ContinuousClock.now - start
        return (box.value!, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}

final class ResultBox<T>: @unchecked Sendable { var value: T? }

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A Python server on 127.0.0.1 that writes its port to `<dir>/port` when ready.
final class BenchServer {
    let process = Process()
    let port: Int

    init(script: URL, arguments: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, "--outdir", dir.path] + arguments
        try process.run()
        var found: Int?
        for _ in 0..<300 where found == nil && process.isRunning {
            if let d = FileManager.default.contents(atPath: dir.appendingPathComponent("port").path) {
                found = Int(String(decoding: d, as: UTF8.self))
            }
            if found == nil { usleep(50_000) }
        }
        guard let found else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw BenchError("delivery: \(script.lastPathComponent) did not start (needs /usr/bin/python3 with python3-aiosmtpd)")
        }
        port = found
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}
