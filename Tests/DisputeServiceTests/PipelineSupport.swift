import DisputeCore
import DisputeStore
import Foundation
import Logging
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

// Fixtures for the notification pipeline's tests: real SQLite files, the delivery tests'
// real Python servers (Tests/DeliveryTests/Servers), logs captured in memory.

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let shippedTemplates = packageRoot.appendingPathComponent("config/templates").path
let fourStagePath = packageRoot.appendingPathComponent("config/policies/four-stage.toml").path
let sixStageDRPPath = packageRoot.appendingPathComponent("config/policies/six-stage-drp.toml").path

struct PipelineFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func tempFolder(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A Python test server started with /usr/bin/python3 on 127.0.0.1 (it writes its port to `dir/port`).
final class TestServer: @unchecked Sendable {
    let process = Process()
    let dir: URL
    let port: Int
    static let scripts = packageRoot.appendingPathComponent("Tests/DeliveryTests/Servers")

    init(_ script: String, _ arguments: [String] = []) throws {
        dir = try tempFolder("server")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestServer.scripts.appendingPathComponent(script).path, "--outdir", dir.path] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var found: Int?
        for _ in 0..<300 {   // bounded wait for the child to listen (15 s)
            if let d = FileManager.default.contents(atPath: dir.appendingPathComponent("port").path),
               let p = Int(String(decoding: d, as: UTF8.self)) { found = p; break }
            if !process.isRunning { break }
            usleep(50_000)
        }
        guard let found else { process.terminate(); throw PipelineFailure("server \(script) did not start") }
        port = found
    }

    deinit { stop() }
    func stop() { if process.isRunning { process.terminate(); process.waitUntilExit() } }

    /// The JSON records the server wrote with this prefix (`msg-`, `req-`), in order.
    func records(_ prefix: String) -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
        return names.compactMap {
            FileManager.default.contents(atPath: dir.appendingPathComponent($0).path)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (bound then closed).
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    close(fd)
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Log lines kept in memory (the global logging system is never bootstrapped).
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    var logger: Logger {
        var l = Logger(label: "test") { [self] label in
            JournalLogHandler(label: label, level: .trace) { line in self.lock.lock(); self.lines.append(line); self.lock.unlock() }
        }
        l.logLevel = .trace
        return l
    }
}

/// A config file + database + policies in a temporary folder, with a Poller over them.
struct Pipeline {
    let dir: URL
    let config: DrwatchConfig
    let store: any StoreBackend
    let logs = LogCapture()
    let engine: Engine

    /// - Parameters:
    ///   - toml: the config's sections after `database`/`policies` (roles, transports...).
    ///   - database: the SQLite file (default: `db.sqlite` in a new folder).
    init(_ toml: String, files: [String: String] = [:], database: String? = nil) throws {
        dir = try tempFolder("pipeline")
        for (name, text) in files {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
            chmod(dir.appendingPathComponent(name).path, 0o600)   // secrets must be private (checkSecretFiles)
        }
        let text = """
            database = "\(database ?? dir.appendingPathComponent("db.sqlite").path)"
            policies = ["\(fourStagePath)"]
            \(toml)
            """
        let path = dir.appendingPathComponent("drwatch.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        config = try DrwatchConfig.load(path: path, environment: [:])
        store = try Stores.open(setting: config.database)
        try store.migrate()
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: fourStagePath)
        engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales),
                        settings: EngineSettings(closeOfBusiness: config.closeOfBusiness, sendTime: config.sendTime))
    }

    func poller(jitter: Double = 1) throws -> Poller {
        let engine = self.engine
        return try Poller(config: config, store: store, engine: { d in
            guard d.policy == engine.policy.name else { throw DomainError("policy \(d.policy) is not loaded") }
            return engine
        }, templates: TemplateSet.load(shipped: shippedTemplates, override: config.templatesDir), logger: logs.logger,
           jitter: { jitter })
    }

    /// Records a formal four-stage dispute opened by the IRO.
    func open(_ ref: String, at: String = "2026-11-23T10:00", people: [String: [String]] = ["team-manager": ["tm@council.example"]],
              policy: String = "four-stage") throws {
        let iro = Actor(role: "iro", email: "iro@council.example")
        try store.insert(Dispute(ref: ref, policy: policy, kind: .formal, category: .general, type: .practice,
                                 division: .englandAndWales, raisedBy: iro, people: people,
                                 events: [DisputeEvent(at: london(at), by: iro, change: .opened(stage: 1))]))
    }
}

func london(_ text: String) -> Date { CivilTime.london.parse(text)! }

let standardRoles = """
    [roles]
    admin = ["admin@council.example"]
    iro = ["iro@council.example"]
    """
