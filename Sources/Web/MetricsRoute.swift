import Notifications
import Foundation
import Hummingbird
import Logging

/// `GET /metrics`: the Prometheus metrics (the text `drwatch metrics` prints), for a scraper.
///
/// Served only when `[metrics] token_file` is set, and only to a request with
/// `Authorization: Bearer <the file's content>` (compared in constant time): the app usually
/// sits behind the council's reverse proxy, so every request comes from loopback and the peer
/// address proves nothing. Without the key the route answers 404, as for any unknown path; a
/// wrong or missing token gets 401. The token file is read at each scrape, so rotating it needs
/// no restart.
struct MetricsRoute {
    let app: WebApp

    func add(to router: Router<WebContext>) {
        router.get("/metrics") { request, context in try self.serve(request, context) }
    }

    func serve(_ request: Request, _ context: WebContext) throws -> Response {
        guard let tokenFile = app.runtime.config.metrics.tokenFile else {
            return app.errorPage(status: .notFound, message: "There is no such page.", context: context)
        }
        let expected: String
        do {
            expected = try app.runtime.config.readSecret(tokenFile)
        } catch {
            app.logger.error("Cannot serve /metrics: the token file cannot be read", metadata: ["error": "\(error)"])
            return Self.text("metrics unavailable: [metrics] token_file cannot be read (see the log)\n", status: .serviceUnavailable)
        }
        let given = request.headers[.authorization] ?? ""
        guard given.hasPrefix("Bearer "), Self.equalInConstantTime(String(given.dropFirst(7)), expected) else {
            var r = Self.text("a bearer token is required\n", status: .unauthorized)
            r.headers[.wwwAuthenticate] = "Bearer realm=\"drwatch metrics\""
            return r
        }
        let snapshot = try PrometheusMetrics.snapshot(store: app.stores.next(), runtime: app.runtime, now: context.now)
        var r = Self.text(PrometheusMetrics.render(snapshot), status: .ok)
        r.headers[.contentType] = PrometheusMetrics.contentType
        return r
    }

    static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Whether `a` and `b` are the same bytes, in a time that depends only on their lengths.
    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}
