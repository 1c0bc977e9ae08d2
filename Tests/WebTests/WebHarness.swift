import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Testing
@testable import Web

/// A settable clock for the web app under test (no sleeping: tests move it).
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return value }
    func advance(_ seconds: TimeInterval) { lock.lock(); value += seconds; lock.unlock() }
}

/// One HTTP response as the client saw it.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var setCookies: [String]
    var body: String
    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
}

/// The web app on 127.0.0.1 (a free port), a real SQLite file (or the test run's PostgreSQL),
/// the file transport, and a real HTTP client (libcurl through FoundationNetworking; no redirects followed, cookies by hand).
final class WebHarness: @unchecked Sendable {
    let dir: URL
    let store: any StoreBackend
    let clock: TestClock
    let app: WebApp
    /// The `database` setting, resolved (a second instance on the same store takes it).
    let databaseSetting: String
    var port = 0
    private var task: Task<Void, any Error>?
    private let session: URLSession

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// - Parameters:
    ///   - web: the `[web]` section's body.
    ///   - database: the `database` setting (a PostgreSQL URL, or another harness's `databaseSetting`
    ///     for a second instance on one store); nil for a SQLite file of its own.
    ///   - roleTitles: lines added to four-stage's `[role_titles]` (a copy of the policy in the
    ///     harness's folder), e.g. `team-manager = "Practice Manager"`.
    ///   - morePolicies: other policies of config/policies loaded after four-stage (`six-stage-drp`).
    init(web: String = "base_url = \"https://drwatch.test\"", start: Date = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00Z")!,
         database: String? = nil, roleTitles: [String] = [], morePolicies: [String] = [], logs: LogLines? = nil) async throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("drwatch-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var policies = Self.packageRoot.appendingPathComponent("config/policies/four-stage.toml").path
        if !roleTitles.isEmpty {
            let text = try String(contentsOfFile: policies, encoding: .utf8)
                .replacingOccurrences(of: "[role_titles]\n", with: "[role_titles]\n" + roleTitles.joined(separator: "\n") + "\n")
            policies = dir.appendingPathComponent("four-stage.toml").path
            try text.write(toFile: policies, atomically: true, encoding: .utf8)
        }
        let config = """
            database = "\(database ?? "drwatch.sqlite")"
            policies = [\(([policies] + morePolicies.map { Self.packageRoot.appendingPathComponent("config/policies/\($0).toml").path }).map { "\"\($0)\"" }.joined(separator: ", "))]
            [roles]
            iro = ["iro.team@council.example"]
            iro-service-manager = ["iro.manager@council.example"]
            team-manager = ["tm.duty@council.example"]
            service-manager = ["sm@council.example"]
            head-of-service = ["hos@council.example"]
            head-of-service-safeguarding = ["hos.safeguarding@council.example"]
            service-director = ["director@council.example"]
            director-of-childrens-services = ["dcs@council.example"]
            social-worker = ["sw.duty@council.example"]
            cpp-records = ["records@council.example"]
            admin = ["admin@council.example"]
            [files]
            directory = "outbox"
            [web]
            \(web)
            """
        let path = dir.appendingPathComponent("drwatch.toml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try DrwatchConfig.load(path: path, environment: [:])
        databaseSetting = loaded.database
        let runtime = try Runtime.load(config: loaded)
        store = try Stores.open(setting: loaded.database)
        try store.migrate()
        clock = TestClock(start)
        let clock = self.clock
        var logger = logs.map { lines in Logger(label: "web-test") { _ in lines } } ?? Logger(label: "web-test")
        logger.logLevel = logs != nil ? .info : ProcessInfo.processInfo.environment["DRWATCH_WEB_TEST_LOG"] == nil ? .critical : .debug
        // A database out of reach is tried again at each request (no backoff to wait out).
        app = try WebApp(runtime: runtime, web: loaded.web ?? WebConfig(), database: StoreLocation(setting: loaded.database), connections: 2,
                         reconnectFirst: .zero, reconnectCap: .zero, logger: logger, now: { clock.now })
        let sessionConfig = URLSessionConfiguration.ephemeral
        sessionConfig.httpShouldSetCookies = false
        sessionConfig.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: sessionConfig, delegate: NoRedirects(), delegateQueue: nil)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = app.application(port: 0) { port in continuation.yield(port) }
        task = Task { try await application.run() }
        for await p in stream { port = p; break }
    }

    /// Stops serving and removes the folder (`keepFolder`: its SQLite file stays for another instance).
    func stop(keepFolder: Bool = false) async {
        task?.cancel()
        _ = try? await task?.value
        if !keepFolder { try? FileManager.default.removeItem(at: dir) }
    }

    /// Records a dispute as `drwatch dispute open` would.
    @discardableResult
    func open(_ ref: String, raisedBy: String = "iro@council.example", teamManager: String? = "tm.smith@council.example",
              daysAgo: Double = 3, storedRef: String? = nil) throws -> Int64 {
        var people: [(role: String, email: String)] = []
        if let teamManager { people.append(("team-manager", teamManager)) }
        let d = try app.runtime.opening(OpeningFields(ref: ref, policy: "four-stage", kind: "formal", category: "general", type: "P",
                                                      raisedBy: Actor(role: "iro", email: raisedBy), at: clock.now - daysAgo * 86_400,
                                                      team: "North", people: people))
        // `storedRef`: a reference as an older drwatch (or a hand edit) may have stored it,
        // past today's checks.
        var stored = d
        if let storedRef { stored.ref = storedRef }
        try store.insert(stored)
        return try store.disputeID(ref: stored.ref)!
    }

    func events(_ ref: String) throws -> Int { try store.dispute(ref: ref)?.events.count ?? -1 }

    /// The sign-in emails written by the file transport, newest last.
    func signInMails(to email: String) throws -> [String] {
        let outbox = dir.appendingPathComponent("outbox")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        func mtime(_ name: String) -> Date {
            (try? FileManager.default.attributesOfItem(atPath: outbox.appendingPathComponent(name).path)[.modificationDate] as? Date) ?? .distantPast
        }
        return try files.sorted { mtime($0) < mtime($1) }.compactMap { name in
            let raw = try String(contentsOf: outbox.appendingPathComponent(name), encoding: .utf8)
            // Quoted-printable: soft line breaks and "=3D".
            let text = raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "").replacingOccurrences(of: "=3D", with: "=")
            return text.contains("To: \(email)") && text.contains("sign-in link") ? text : nil
        }
    }

    // MARK: HTTP

    func request(_ method: String, _ path: String, cookies: [String: String] = [:], form: [(String, String)]? = nil,
                 headers extra: [String: String] = [:]) async throws -> HTTPReply {
        var r = URLRequest(url: URL(string: path.hasPrefix("http") ? path : "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = method
        for (k, v) in extra { r.setValue(v, forHTTPHeaderField: k) }
        if !cookies.isEmpty { r.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        if let form {
            r.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            r.httpBody = Data(form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8)
        }
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { c in
            session.dataTask(with: r) { data, response, error in
                if let error { c.resume(throwing: error) } else { c.resume(returning: (data ?? Data(), response!)) }
            }.resume()
        }
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
        // Several Set-Cookie headers arrive folded with ", " by FoundationNetworking.
        let setCookie = headers.first { $0.key.lowercased() == "set-cookie" }?.value ?? ""
        let cookiesSet = setCookie.isEmpty ? [] : setCookie.components(separatedBy: ", drwatch_").enumerated().map { $0.offset == 0 ? $0.element : "drwatch_" + $0.element }
        return HTTPReply(status: http.statusCode, headers: headers, setCookies: cookiesSet, body: String(decoding: data, as: UTF8.self))
    }

    /// The value of a cookie set by a reply.
    static func cookie(_ name: String, in reply: HTTPReply) -> String? {
        for c in reply.setCookies where c.hasPrefix("\(name)=") {
            return String(c.dropFirst(name.count + 1).prefix(while: { $0 != ";" }))
        }
        return nil
    }

    /// The hidden form token of a page.
    static func csrf(in body: String) -> String? {
        guard let r = body.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(body[r.upperBound...].prefix(while: { $0 != "\"" }))
    }

    /// Signs in as `email` through the emailed link; returns the session cookie and form token.
    func signIn(_ email: String, next: String? = nil) async throws -> (cookies: [String: String], csrf: String) {
        let token = try await requestLink(email, next: next)
        return try await redeem(token)
    }

    /// Asks for a sign-in link and returns its token, read from the emailed message.
    func requestLink(_ email: String, next: String? = nil) async throws -> String {
        let page = try await request("GET", "/sign-in")
        let pre = Self.cookie("drwatch_csrf", in: page)!
        var form = [("csrf", Self.csrf(in: page.body)!), ("email", email)]
        if let next { form.append(("next", next)) }
        let sent = try await request("POST", "/sign-in", cookies: ["drwatch_csrf": pre], form: form)
        #expect(sent.status == 200)
        let mail = try #require(try signInMails(to: email).last)
        let r = try #require(mail.range(of: "token="))
        return String(mail[r.upperBound...].prefix(43))
    }

    func redeem(_ token: String) async throws -> (cookies: [String: String], csrf: String) {
        let page = try await request("GET", "/sign-in/link?token=\(token)")
        let pre = Self.cookie("drwatch_csrf", in: page)!
        let done = try await request("POST", "/sign-in/link", cookies: ["drwatch_csrf": pre], form: [("csrf", Self.csrf(in: page.body)!), ("token", token)])
        guard done.status == 303, let session = Self.cookie("drwatch_session", in: done) else {
            throw WebTestError("sign-in refused: \(done.status)")
        }
        let cookies = ["drwatch_session": session]
        let home = try await request("GET", "/", cookies: cookies)
        return (cookies, Self.csrf(in: home.body)!)
    }
}

struct WebTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
