import Delivery
import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Hummingbird
import Logging
import OIDC
import ServiceLifecycle

/// The staff web app: served by `drwatch serve` from the same store as the daemon.
///
/// Holds nothing another instance needs: sessions and sign-in links are in the database, so any
/// number of instances can serve behind a load balancer (issue 17).
public final class WebApp: Sendable {
    /// The config and policies, `[web]` and the mail channels: replaced whole by `reload` (SIGHUP).
    private let live: Live
    public var runtime: Runtime { live.value.runtime }
    public var web: WebConfig { live.value.web }
    var channels: DeliveryChannels { live.value.channels }
    let stores: StorePool
    /// Whether the database answers, as requests find it (503 pages while it does not).
    let health: DatabaseHealth
    let logger: Logger
    /// The clock, read once per request.
    let now: @Sendable () -> Date
    /// How a person proves their address: the emailed link, and single sign-on when
    /// `[web.oidc]` is configured (docs/sso.md).
    let signInMethods: [any SignInMethod]
    /// The OpenID Connect relying party, when `[web.oidc]` is configured.
    let oidc: OIDCRelyingParty?
    /// The running server's service group, for `drain`.
    private let draining = Draining()

    static let sessionCookie = "drwatch_session"
    static let csrfCookie = "drwatch_csrf"
    /// A sign-in link is valid this long, once.
    static let linkLifetime: TimeInterval = 15 * 60
    /// At most this many sign-in links per address per `linkLifetime`.
    static let linksPerAddress = 5

    /// - Parameters:
    ///   - runtime: the loaded config and policies.
    ///   - web: the `[web]` section (or its defaults).
    ///   - database: the store (already migrated).
    ///   - connections: store connections shared by the requests (SQLite serialises writers).
    ///   - reconnectFirst, reconnectCap: while a server database is out of reach, requests try it
    ///     again after `reconnectFirst`, doubled at each failure up to `reconnectCap` (the others
    ///     get the 503 page at once).
    public init(runtime: Runtime, web: WebConfig, database: StoreLocation, password: String? = nil, connections: Int = 4,
                reconnectFirst: Duration = .seconds(1), reconnectCap: Duration = .seconds(15),
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.live = Live(Live.Settings(runtime: runtime, web: web, channels: try DeliveryChannels(config: runtime.config, logger: logger)))
        let stores = try StorePool(database, password: password, count: connections)
        self.stores = stores
        self.health = DatabaseHealth(first: reconnectFirst, cap: reconnectCap, logger: logger)
        self.logger = logger
        self.now = now
        var oidc: OIDCRelyingParty? = nil
        if let settings = web.sso.oidc {
            let config = runtime.config
            oidc = OIDCRelyingParty(config: settings, readSecret: { () throws -> String? in
                guard let secret = settings.clientSecretFile else { return nil }
                return try config.readSecret(secret)
            }, store: stores.next(), logger: logger)
        }
        self.oidc = oidc
        self.signInMethods = [EmailLinkSignIn()] + (oidc.map { [OIDCSignIn(rp: $0)] } ?? [])
    }

    /// The router with every route and middleware.
    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeadersMiddleware(app: self))
        router.add(middleware: DatabaseOutageMiddleware(app: self))
        router.add(middleware: SessionMiddleware(app: self))
        router.add(middleware: CSRFMiddleware())
        router.get("/assets/app.css") { _, _ in
            var r = Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                             body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
            r.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware.csp
            return r
        }
        router.get("/healthz") { _, _ in self.healthCheck() }
        MetricsRoute(app: self).add(to: router)
        for method in signInMethods { method.addRoutes(to: router, app: self) }
        router.post("/sign-out") { _, context in try self.signOut(context) }
        router.get("/signed-out") { _, context in await self.signedOut(context) }
        WorkRoutes(app: self).add(to: router)
        DisputeRoutes(app: self).add(to: router)
        RaiseRoutes(app: self).add(to: router)
        ManagerRoutes(app: self).add(to: router)
        return router
    }

    /// Serves on `[web] listen` until `drain()` has let the requests in flight finish, or the
    /// task is cancelled (the caller owns the signals: `drwatch serve` and `drwatch run` turn
    /// SIGTERM into `drain`, SIGHUP into `reload`).
    ///
    /// - Parameter onRunning: called once the address is bound.
    public func run(onRunning: @escaping @Sendable () async -> Void = {}) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(web.host, port: web.port), serverName: nil),
                              onServerRunning: { _ in await onRunning() }, logger: logger)
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.drainLimit
        let group = ServiceGroup(configuration: configuration)
        await draining.serving(group)
        do {
            try await group.run()
        } catch is CancellationError {
        } catch where draining.requested {
            // Past `drainLimit` the group cancels what is left: stopping is still a clean stop.
            logger.warning("Requests still in flight after the drain limit were cut off", metadata: ["limit": "\(Self.drainLimit)", "error": "\(error)"])
        }
    }

    /// How long `drain` waits for the requests in flight before cutting them off.
    public static let drainLimit: Duration = .seconds(20)

    /// Stops gracefully (SIGTERM): the listening socket closes at once (new connections are
    /// refused), idle connections close, each request in flight completes and its connection
    /// then closes; `run` returns when none is left, or after `drainLimit`. Idempotent; before
    /// `run` has started, `run` drains as soon as it starts.
    public func drain() async { await draining.drain() }

    /// Replaces the config and policies and `[web]` (SIGHUP), already validated whole by the
    /// caller. What only a restart can change (the listen address, single sign-on) is kept, and
    /// the log says so.
    ///
    /// - Throws: when the new config's mail channels cannot be built (the old ones are kept).
    public func reload(runtime: Runtime, web newWeb: WebConfig) throws {
        let channels = try DeliveryChannels(config: runtime.config, logger: logger)
        var web = newWeb
        let old = self.web
        if web.host != old.host || web.port != old.port {
            logger.warning("[web] listen changed; the new address needs a restart, the app keeps listening on the old one",
                           metadata: ["listen": "\(old.host):\(old.port)", "new_listen": "\(web.host):\(web.port)"])
            web.host = old.host
            web.port = old.port
        }
        if web.sso != old.sso {
            logger.warning("[web.oidc] or trusted_proxy_header changed; single sign-on settings need a restart, the old ones are kept")
            web.sso = old.sso
        }
        live.value = Live.Settings(runtime: runtime, web: web, channels: channels)
    }

    /// An application for tests and benchmarks: `onRunning` gets the bound port (port 0: any free one).
    public func application(port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    // MARK: Sessions (every sign-in method ends here)

    /// Starts a session for `email` (already proven by a sign-in method) and goes to `next`.
    ///
    /// - Parameter directoryRoles: roles from single sign-on's directory groups, for this session.
    func startSession(email: String, next: String?, method: String, directoryRoles: [String] = [],
                      context: WebContext) throws -> Response {
        let (token, _) = try createSession(email: email, method: method, directoryRoles: directoryRoles, context: context)
        var response = Self.redirect(Self.safeNext(next) ?? "/")
        response.setCookie(cookie(Self.sessionCookie, token, maxAge: web.sessionHours * 3600))
        response.setCookie(cookie(Self.csrfCookie, "", maxAge: 0))
        return response
    }

    /// Records a new session (and the sign-in in the audit trail); returns the cookie's token
    /// and the session's form token.
    func createSession(email: String, method: String, directoryRoles: [String] = [], context: WebContext) throws -> (token: String, csrf: String) {
        let token = Secrets.token(), csrf = Secrets.token()
        let expires = context.now.addingTimeInterval(TimeInterval(web.sessionHours) * 3600)
        let store = stores.next()
        try store.addSession(tokenHash: Secrets.hash(token), email: email, csrf: csrf, createdAt: context.now, expiresAt: expires,
                             directoryRoles: directoryRoles)
        try store.appendAudit(AuditEntry(at: context.now, actor: email, action: "signed-in", ref: nil, outcome: "done", detail: method))
        logger.info("Signed in", metadata: ["method": "\(method)"])
        return (token, csrf)
    }

    func signOut(_ context: WebContext) throws -> Response {
        if let hash = context.sessionHash {
            let store = stores.next()
            try store.endSession(tokenHash: hash, now: context.now)
            try store.appendAudit(AuditEntry(at: context.now, actor: context.person?.email, action: "signed-out", ref: nil, outcome: "done", detail: nil))
        }
        // With single sign-on, a page that also offers signing out of the provider.
        var response = Self.redirect(oidc == nil ? "/sign-in?signed-out=1" : "/signed-out")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }

    /// After signing out when single sign-on is on: the drwatch session has ended; the
    /// provider's end-session address is offered when its discovery document has one.
    func signedOut(_ context: WebContext) async -> Response {
        var body = "<h1>You have signed out of drwatch</h1>"
        if let oidc, let url = await oidc.endSessionURL(postLogoutRedirect: web.baseURL + "/signed-out", now: context.now) {
            body += "<p>You may still be signed in to your organisation account on this computer.</p>"
            body += "<p><a class=\"button\" data-end-session href=\"\(esc(url))\">Sign out of your organisation account too</a></p>"
        }
        body += "<p><a href=\"/sign-in\">Sign in again</a></p>"
        return html(Page(title: "Signed out", body: body), context: context)
    }

    func person(email: String, directoryRoles: [String] = []) -> Person {
        Person(email: email, runtime: runtime, web: web, directoryRoles: directoryRoles)
    }

    /// Writes one line to the audit trail; a failure is logged, never shown.
    func audit(_ context: WebContext, _ action: String, ref: String?, outcome: String, detail: String? = nil) {
        do {
            try stores.next().appendAudit(AuditEntry(at: context.now, actor: context.person?.email, action: action, ref: ref,
                                                     outcome: outcome, detail: detail.map { String($0.prefix(300)) }))
        } catch {
            logger.error("Audit trail not written", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    // MARK: Responses

    func cookie(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: web.secureCookies, httpOnly: true, sameSite: .lax)
    }

    static func redirect(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    func html(_ page: Page, context: WebContext, status: HTTPResponse.Status = .ok) -> Response {
        var page = page
        page.person = page.person ?? context.person
        page.csrf = context.csrf
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: Layout.render(page))))
    }

    func errorPage(status: HTTPResponse.Status, message: String, context: WebContext) -> Response {
        let title: String
        switch status.code {
        case 403: title = "You cannot do this"
        case 404: title = "Page not found"
        case 400...499: title = "There is a problem with the request"
        default: title = "Sorry, there is a problem with the service"
        }
        var body = "<h1>\(esc(title))</h1>"
        body += "<p>\(esc(message.isEmpty ? (status.code == 404 ? "If you typed the address, check it is correct." : "Try again later.") : message))</p>"
        body += "<p><a href=\"/\">Go to My work</a></p>"
        return html(Page(title: title, body: body), context: context, status: status)
    }

    /// A site-internal path to go to after signing in: starts with one `/`, at most 300 printable
    /// ASCII characters; nil otherwise (never another site).
    static func safeNext(_ path: String?) -> String? {
        guard let p = path, p.hasPrefix("/"), !p.hasPrefix("//"), !p.hasPrefix("/\\"), p.utf8.count <= 300,
              p.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x5C }), !p.hasPrefix("/sign-in") else { return nil }
        return p
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// What a reload replaces, behind a lock (read once or more per request).
final class Live: @unchecked Sendable {
    struct Settings: Sendable {
        var runtime: Runtime
        var web: WebConfig
        var channels: DeliveryChannels
    }
    private let lock = NSLock()
    private var settings: Settings
    init(_ settings: Settings) { self.settings = settings }
    var value: Settings {
        get { lock.lock(); defer { lock.unlock() }; return settings }
        set { lock.lock(); settings = newValue; lock.unlock() }
    }
}

/// A few store connections, used in turn (each is serialised by its own lock; SQLite in WAL mode
/// lets readers run beside one writer).
final class StorePool: @unchecked Sendable {
    private let stores: [any StoreBackend]
    private let lock = NSLock()
    private var index = 0
    /// True for a server database (PostgreSQL), which can be out of reach for a while.
    let isServer: Bool

    /// A lost session is not the pool's business: each PostgreSQL connection opens a new one
    /// at its next use (PGDatabase).
    init(_ location: StoreLocation, password: String?, count: Int) throws {
        stores = try (0..<max(1, count)).map { _ in try Stores.open(location, password: password) }
        isServer = !location.isSQLite
    }

    /// One read on one connection, then (it answered) on every other, so that each has a live
    /// session before the next request; throws what the store throws (`.unavailable` while the
    /// server is out of reach).
    func probe() throws {
        try next().read { _ in () }
        for store in stores { try store.read { _ in () } }
    }

    func next() -> any StoreBackend {
        lock.lock(); defer { lock.unlock() }
        index = (index + 1) % stores.count
        return stores[index]
    }
}

/// The running server's service group and whether a drain was asked for (`WebApp.drain`).
private final class Draining: @unchecked Sendable {
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var asked = false

    var requested: Bool { lock.withLock { asked } }

    /// `run` started `g`: drained at once when a drain was asked for already.
    func serving(_ g: ServiceGroup) async {
        if lock.withLock({ group = g; return asked }) { await g.triggerGracefulShutdown() }
    }

    func drain() async {
        let g = lock.withLock { asked = true; return group }
        await g?.triggerGracefulShutdown()
    }
}
