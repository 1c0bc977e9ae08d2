import Delivery
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging
@testable import OIDC
import Testing

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func makeTempDir(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The test OpenID provider (Servers/test_provider.py) started with /usr/bin/python3 on
/// 127.0.0.1, on a port it picks and writes to `dir/port`. Stopped at deinit.
final class TestProvider: @unchecked Sendable {
    let process = Process()
    let dir: URL
    let port: Int
    let clientID: String
    let secretFile: String
    var issuer: String { "http://127.0.0.1:\(port)" }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Servers/test_provider.py").path

    init(clientID: String = "drwatch-test", secret: String = "s3cret~value", extra: [String] = []) throws {
        dir = try makeTempDir("oidc-provider")
        self.clientID = clientID
        secretFile = dir.appendingPathComponent("client-secret").path
        try (secret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        // Secret files must be private (mode 0600): the config loader refuses others.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestProvider.script, "--outdir", dir.path, "--client-id", clientID, "--client-secret-file", secretFile] + extra
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let errFile = dir.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        // Bounded poll for the child to be ready (up to 60 s: RSA keys are made at start, on a
        // machine shared with other builds).
        let portFile = dir.appendingPathComponent("port")
        var found: Int?
        for _ in 0..<1200 {
            if let d = FileManager.default.contents(atPath: portFile.path), let p = Int(String(decoding: d, as: UTF8.self)) { found = p; break }
            if !process.isRunning { break }
            usleep(50_000)
        }
        guard let found else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            throw TestFailure("the test provider did not start: \((try? String(contentsOf: errFile, encoding: .utf8)) ?? "")")
        }
        port = found
    }

    deinit { stop() }

    func stop() {
        // SIGKILL: a child started from a libdispatch worker thread inherits a signal mask that
        // blocks SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// Sets how the next ID tokens look (see the script's DEFAULT); `reset` starts from it.
    func behave(_ change: [String: Any], reset: Bool = true) async throws {
        var c = change
        if reset { c["reset"] = true }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: c), as: UTF8.self)
        let reply = try await fetcher.postForm("\(issuer)/control", form: [("json", json)], what: "test provider control")
        guard reply.status == 200 else { throw TestFailure("control answered \(reply.status)") }
    }

    /// The JSON records the provider wrote with this prefix, in order.
    func records(_ prefix: String) -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".json") }.sorted()
        return names.compactMap {
            FileManager.default.contents(atPath: dir.appendingPathComponent($0).path)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }

    let fetcher = HTTPFetcher(label: "test-provider-control")

    /// One provider for the whole test run (tests that use it are serialized).
    static let shared: Result<TestProvider, TestFailure> = {
        do { return .success(try TestProvider()) } catch { return .failure(TestFailure("\(error)")) }
    }()
}

/// A relying party on a fresh SQLite store, for the shared test provider.
struct RPHarness {
    let rp: OIDCRelyingParty
    let store: any StoreBackend
    let provider: TestProvider
    let logs: CapturedLogs

    static let groups = ["IRO Service Managers": "iro-service-manager", "g-team-managers": "team-manager"]

    init(provider: TestProvider, tenants: [String] = [], secretFile: String? = nil,
         configure: (inout OIDCConfig) -> Void = { _ in }) throws {
        let dir = try makeTempDir("oidc-rp")
        store = try Stores.open(setting: dir.appendingPathComponent("drwatch.sqlite").path)
        try store.migrate()
        let secret = secretFile ?? provider.secretFile
        var config = OIDCConfig(issuer: provider.issuer, clientID: provider.clientID,
                                clientSecretFile: SecretFile(name: secret, key: "[web.oidc] client_secret_file", file: "test.toml", line: 1),
                                redirectURL: "http://127.0.0.1:9/sign-in/oidc/callback", tenants: tenants, groupRoles: RPHarness.groups)
        configure(&config)
        logs = CapturedLogs()
        let logger = Logger(label: "test") { [logs] _ in logs }
        rp = OIDCRelyingParty(config: config, readSecret: {
            try String(contentsOfFile: secret, encoding: .utf8).trimmingCharacters(in: .newlines)
        }, store: store, logger: logger)
        self.provider = provider
    }

    /// Starts a sign-in and follows the provider's redirect back: the callback a browser would bring.
    func authorize(now: Date, next: String? = "/my-work") async throws -> (OIDCSignInStart, OIDCCallback) {
        let start = try await rp.startSignIn(nextPath: next, now: now)
        let reply = try await provider.fetcher.get(start.authorizationURL, what: "authorize")
        guard reply.status == 302, let location = reply.headers["location"], let c = URLComponents(string: location) else {
            throw TestFailure("authorize answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        // Form decoding: `+` is a space (the provider encodes with Python's urlencode).
        func decode(_ s: String?) -> String { (s ?? "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        let query = (c.percentEncodedQueryItems ?? []).map { (decode($0.name), decode($0.value)) }
        return (start, OIDCCallback(query: query))
    }

    /// A whole sign-in at `now`.
    func signIn(now: Date) async throws -> OIDCSignInResult {
        let (start, callback) = try await authorize(now: now)
        return try await rp.finishSignIn(callback, browserBinding: start.browserBinding, now: now)
    }
}

/// Log lines in memory (the global logging system is never bootstrapped).
final class CapturedLogs: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let m = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.lock(); storage.append("\(level) \(message) \(m)"); lock.unlock()
    }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
