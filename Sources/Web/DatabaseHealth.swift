import DisputeStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Whether the web app reaches its database, as its requests find it (issue 17: a restart or a
/// failover of PostgreSQL is survived without restarting `drwatch serve`).
///
/// A request that finds the server gone (`StoreError` `.unavailable`) begins an outage: it is
/// logged once, and from then on requests get the 503 page at once, without waiting on the
/// server, except one now and then (`DatabaseOutage`'s backoff, the daemon's) that tries it
/// again; the first that reaches it ends the outage, logged once, and requests are served again.
/// Each connection of the pool opens a new session by itself at its next use (PGDatabase). SQLite
/// never reports `.unavailable`, so this never changes anything there.
final class DatabaseHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var outage: DatabaseOutage
    /// While down: when a request may try the database again.
    private var retryAt: ContinuousClock.Instant?
    private var downSince: ContinuousClock.Instant?
    private let logger: Logger

    init(first: Duration, cap: Duration, logger: Logger) {
        outage = DatabaseOutage(first: first, cap: cap)
        self.logger = logger
    }

    /// True during an outage.
    var isDown: Bool { lock.withLock { downSince != nil } }

    /// During an outage, true for the one request that may try the database now (the others get
    /// the 503 page at once until the next try is due).
    func claimRetry() -> Bool {
        lock.withLock {
            guard downSince != nil else { return true }
            let now = ContinuousClock.now
            guard let at = retryAt, now >= at else { return false }
            retryAt = now + DatabaseOutage.delay(afterFailures: outage.failures, first: outage.first, cap: outage.cap)
            return true
        }
    }

    /// A request or a probe found the database unreachable: the first of an outage is logged.
    func failed(_ error: StoreError) {
        let began: Bool = lock.withLock {
            let (delay, began) = outage.failed()
            retryAt = ContinuousClock.now + delay
            if began { downSince = ContinuousClock.now }
            return began
        }
        if began {
            logger.error("Lost the connection to the database; the web app answers 503 (service unavailable) until it is back, and tries it again with backoff. Nothing half-recorded: each change is one transaction",
                         metadata: ["error": "\(error)"])
        }
    }

    /// A request or a probe reached the database: the end of an outage is logged.
    func reached() {
        let ended: (attempts: Int, seconds: Int64)? = lock.withLock {
            guard let since = downSince else { return nil }
            let attempts = outage.succeeded() ?? 0
            downSince = nil
            retryAt = nil
            return (attempts, (ContinuousClock.now - since).components.seconds)
        }
        if let ended {
            logger.notice("Database connection restored; the web app serves again",
                          metadata: ["failed_attempts": "\(ended.attempts)", "down_seconds": "\(ended.seconds)"])
        }
    }
}

/// Turns the database being out of reach into the 503 page (never a 500, never a half-recorded
/// form), and tries it again now and then during an outage (`DatabaseHealth`). Sits inside the
/// security headers and before the session (which reads the database).
struct DatabaseOutageMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    /// Paths that never touch the database (the stylesheet), or check it themselves (`/healthz`).
    static func passes(_ path: String) -> Bool { path.hasPrefix("/assets/") || path == "/healthz" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.passes(request.uri.path) else { return try await next(request, context) }
        if app.health.isDown {
            guard app.health.claimRetry() else { return app.unavailablePage(request, context: context) }
            do {
                try app.stores.probe()
                app.health.reached()
            } catch let error as StoreError where error.code == .unavailable {
                app.health.failed(error)
                return app.unavailablePage(request, context: context)
            }
        }
        do {
            return try await next(request, context)
        } catch let error as StoreError where error.code == .unavailable {
            app.health.failed(error)
            return app.unavailablePage(request, context: context)
        }
    }
}

extension WebApp {
    /// Seconds a client is asked to wait (`Retry-After`) while the database is out of reach.
    static let retryAfterSeconds = 30

    /// The 503 page while the database is out of reach; a form sent meanwhile was not recorded
    /// (its change is one transaction, which never began or was rolled back) and the page says so.
    func unavailablePage(_ request: Request, context: WebContext) -> Response {
        var body = "<h1>Sorry, the service is unavailable</h1>"
        body += "<p>The service is unavailable: drwatch cannot reach its database. Try again in a few minutes.</p>"
        if request.method == .post {
            body += "<p>Nothing was recorded: what you sent has not been saved. Go back to the form (what you typed is usually still there) and send it again in a few minutes.</p>"
        }
        var response = html(Page(title: "Sorry, the service is unavailable", body: body), context: context, status: .serviceUnavailable)
        response.headers[.retryAfter] = "\(Self.retryAfterSeconds)"
        return response
    }

    /// `GET /healthz`: "ok" (200); on a server database, only when it answers (else 503, for a
    /// load balancer to send people to another instance). SQLite: "ok", as ever.
    func healthCheck() -> Response {
        func text(_ s: String, _ status: HTTPResponse.Status) -> Response {
            Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: s)))
        }
        guard stores.isServer else { return text("ok\n", .ok) }
        func down() -> Response {
            var r = text("database unavailable\n", .serviceUnavailable)
            r.headers[.retryAfter] = "\(Self.retryAfterSeconds)"
            return r
        }
        // During an outage, only when a try is due (a check never waits on a server that is gone).
        guard !health.isDown || health.claimRetry() else { return down() }
        do {
            try stores.probe()
            health.reached()
            return text("ok\n", .ok)
        } catch let error as StoreError where error.code == .unavailable {
            health.failed(error)
            return down()
        } catch {
            logger.error("Health check failed", metadata: ["error": "\(String("\(error)".prefix(300)))"])
            return text("database error\n", .serviceUnavailable)
        }
    }
}
