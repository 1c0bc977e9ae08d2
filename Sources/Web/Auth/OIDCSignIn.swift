import Foundation
import Hummingbird
import OIDC

/// Single sign-on with the council's identity provider (`[web.oidc]`, docs/sso.md), beside the
/// emailed link: `/sign-in/oidc` sends the browser to the provider (code flow with PKCE), and
/// `/sign-in/oidc/callback` verifies its answer (`OIDCRelyingParty`) and starts the session
/// with the roles the person's directory groups give. A refusal says why, signs nobody in,
/// and is in the audit trail.
struct OIDCSignIn: SignInMethod {
    let rp: OIDCRelyingParty

    /// Holds the browser binding between the two routes: HttpOnly, SameSite=Lax (sent on the
    /// provider's top-level redirect back), 10 minutes.
    static let bindingCookie = "drwatch_oidc"

    func addRoutes(to router: Router<WebContext>, app: WebApp) {
        router.get("/sign-in/oidc") { request, context in
            if context.person != nil { return WebApp.redirect("/") }
            let next = WebApp.safeNext(request.uri.queryParameters["next"].map(String.init))
            let start: OIDCSignInStart
            do {
                start = try await rp.startSignIn(nextPath: next, now: context.now)
            } catch let e as OIDCError {
                app.audit(context, "sign-in", ref: nil, outcome: "failed", detail: "single sign-on: \(e.kind.rawValue)")
                return Self.refused(app, context, e)
            }
            var response = Response(status: .seeOther, headers: [.location: start.authorizationURL])
            response.setCookie(app.cookie(Self.bindingCookie, start.browserBinding, maxAge: Int(OIDCRelyingParty.signInLifetime)))
            return response
        }
        router.get("/sign-in/oidc/callback") { request, context in
            let q = request.uri.queryParameters
            func value(_ name: String) -> String? { q[name[...]].map { String(String($0).prefix(8192)) } }
            let callback = OIDCCallback(code: value("code"), state: value("state"), error: value("error"),
                                        errorDescription: value("error_description"))
            let binding = request.cookies[Self.bindingCookie]?.value
            do {
                let result = try await rp.finishSignIn(callback, browserBinding: binding, now: context.now)
                let roles = result.identity.roles
                var response = try app.startSession(email: result.identity.email, next: result.nextPath,
                                                    method: "single sign-on" + (roles.isEmpty ? "" : " (groups: \(roles.joined(separator: ", ")))"),
                                                    directoryRoles: roles, context: context)
                response.setCookie(app.cookie(Self.bindingCookie, "", maxAge: 0))
                return response
            } catch let e as OIDCError {
                app.audit(context, "sign-in", ref: nil, outcome: "refused", detail: "single sign-on: \(e.kind.rawValue)")
                var response = Self.refused(app, context, e)
                response.setCookie(app.cookie(Self.bindingCookie, "", maxAge: 0))
                return response
            }
        }
    }

    /// The page of a refused or failed single sign-on: what went wrong, and the ways on.
    static func refused(_ app: WebApp, _ context: WebContext, _ e: OIDCError) -> Response {
        let unavailable = e.isRetryable || e.kind == .configuration
        var body = "<h1>\(unavailable ? "Single sign-on is not working at the moment" : "You were not signed in")</h1>"
        body += "<p>\(esc(unavailable ? "drwatch could not reach your organisation's sign-in service. Try again in a few minutes, or sign in with a link by email." : sentence(e.message)))</p>"
        body += "<p><a class=\"button\" href=\"/sign-in/oidc\">Try again</a></p>"
        body += "<p><a href=\"/sign-in\">Sign in with a link by email instead</a></p>"
        return app.html(Page(title: unavailable ? "Single sign-on unavailable" : "Not signed in", body: body), context: context,
                        status: unavailable ? .serviceUnavailable : .forbidden)
    }

    /// "the ID token ..." -> "The ID token ...".
    private static func sentence(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst() + (s.hasSuffix(".") ? "" : ".")
    }
}
