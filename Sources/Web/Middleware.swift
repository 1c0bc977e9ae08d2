import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OIDC

// The middleware chain, outermost first: security headers and error pages; the session; the
// form token of every POST. Handlers then only check what a page or action needs.

/// Adds the security headers to every response, and turns every error into a plain page (no
/// detail of the error leaves the server).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    static let csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    /// The report pages carry their own inline style and SVG (DisputeCore/Reports): still no script.
    static let reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The access log at debug level: the path only (a sign-in link's token is in its query).
        context.logger.debug("Request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)"])
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = app.errorPage(status: error.status, message: error.body ?? "", context: context)
        } catch let error as any HTTPResponseError {
            response = app.errorPage(status: error.status, message: "", context: context)
        } catch {
            context.logger.error("Web request failed", metadata: ["error": "\(String("\(error)".prefix(300)))", "path": "\(request.uri.path)"])
            response = app.errorPage(status: .internalServerError, message: "Something went wrong on the server; try again. If it happens again, tell the drwatch admin.", context: context)
        }
        var h = response.headers
        if h[.contentSecurityPolicy] == nil { h[.contentSecurityPolicy] = Self.csp }
        h[.xContentTypeOptions] = "nosniff"
        h[.init("X-Frame-Options")!] = "DENY"
        h[.init("Referrer-Policy")!] = "no-referrer"
        h[.init("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        h[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if h[.cacheControl] == nil { h[.cacheControl] = "no-store" }
        if app.web.secureCookies { h[.strictTransportSecurity] = "max-age=31536000" }
        response.headers = h
        return response
    }
}

/// Reads the session cookie and sets `context.person`; sends every request but the public
/// ones (sign-in, the stylesheet) without a live session to the sign-in page (a POST gets 403).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let app: WebApp

    static func isPublic(_ path: String) -> Bool {
        path == "/sign-in" || path.hasPrefix("/sign-in/") || path.hasPrefix("/assets/") || path == "/healthz" || path == "/signed-out"
            || path == "/metrics"   // its own bearer token (MetricsRoute)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.now = app.now()
        if let cookie = request.cookies[WebApp.sessionCookie]?.value, Secrets.looksLikeToken(cookie) {
            let hash = Secrets.hash(cookie)
            if let row = try app.stores.next().session(tokenHash: hash, now: context.now) {
                context.person = app.person(email: row.email, directoryRoles: row.directoryRoles)
                context.sessionHash = hash
                context.csrf = row.csrf
            }
        }
        // A reverse proxy that has signed the person in names them in a header (off by default;
        // honoured only from `[web] trusted_proxies`): a session for them, replacing another's.
        var newSessionToken: String?
        if let proxy = app.web.sso.proxyHeader, let name = HTTPField.Name(proxy.header) {
            switch proxyIdentity(config: proxy, peerAddress: context.peerAddress, headerValues: request.headers[values: name]) {
            case .none: break
            case .untrustedPeer(let peer):
                context.logger.warning("Ignored the trusted proxy header: the connection is not from [web] trusted_proxies",
                                       metadata: ["peer": "\(peer)"])
            case .malformed:
                context.logger.warning("Ignored the trusted proxy header: not one email address")
            case .email(let email) where context.person?.email != email:
                if let old = context.sessionHash { try app.stores.next().endSession(tokenHash: old, now: context.now) }
                let (token, csrf) = try app.createSession(email: email, method: "trusted proxy header", context: context)
                context.person = app.person(email: email)
                context.sessionHash = Secrets.hash(token)
                context.csrf = csrf
                newSessionToken = token
            case .email: break
            }
        }
        if context.person == nil {
            if let c = request.cookies[WebApp.csrfCookie]?.value, Secrets.looksLikeToken(c) {
                context.csrf = c
            } else {
                context.csrf = Secrets.token()
                context.setCSRFCookie = true
            }
            if !Self.isPublic(request.uri.path) {
                if request.method == .get || request.method == .head {
                    var path = request.uri.path
                    if let q = request.uri.query, !q.isEmpty { path += "?" + q }
                    return WebApp.redirect("/sign-in" + (WebApp.safeNext(path).map { "?next=" + WebApp.percentEncode($0) } ?? ""))
                }
                throw HTTPError(.forbidden, message: "You are not signed in, or your session has ended. Sign in again, then repeat what you were doing.")
            }
        }
        var response = try await next(request, context)
        if let newSessionToken {
            response.setCookie(app.cookie(WebApp.sessionCookie, newSessionToken, maxAge: app.web.sessionHours * 3600))
        }
        if context.setCSRFCookie, let token = context.csrf {
            response.setCookie(app.cookie(WebApp.csrfCookie, token, maxAge: nil))
        }
        return response
    }
}

/// Decodes the form of every POST and refuses it (403, nothing done) unless it carries this
/// session's form token (or, before sign-in, the token of the `drwatch_csrf` cookie).
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        var request = request
        var context = context
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false else {
            throw HTTPError(.unsupportedMediaType, message: "This form must be sent by the page it is on.")
        }
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        context.form = Form(urlEncoded: String(buffer: buffer))
        guard let sent = context.form["csrf"], let expected = context.csrf, !context.setCSRFCookie, Secrets.equal(sent, expected) else {
            context.logger.notice("Form refused: missing or wrong form token", metadata: ["path": "\(request.uri.path)"])
            throw HTTPError(.forbidden, message: "This form has expired or was not sent from this site. Go back, reload the page, and try again.")
        }
        return try await next(request, context)
    }
}
