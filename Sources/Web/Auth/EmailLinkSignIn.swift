import Delivery
import DisputeCore
import DisputeStore
import Foundation
import Hummingbird

/// How a person proves that an email address is theirs. Every method ends in
/// `WebApp.startSession(email:next:method:context:)`; single sign-on with the council's identity
/// provider (issue 14) is another conformance beside the email link.
protocol SignInMethod: Sendable {
    func addRoutes(to router: Router<WebContext>, app: WebApp)
}

/// Sign-in by a one-time link sent to the address through the configured transport: valid for
/// 15 minutes, used once, stored as a hash; the same answer whether or not the address is known;
/// at most 5 links per address per 15 minutes.
struct EmailLinkSignIn: SignInMethod {
    func addRoutes(to router: Router<WebContext>, app: WebApp) {
        router.get("/sign-in") { request, context in
            if context.person != nil { return WebApp.redirect("/") }
            let next = request.uri.queryParameters["next"].map(String.init)
            let signedOut = request.uri.queryParameters["signed-out"] != nil
            return app.html(Self.form(email: nil, next: next, error: nil, notice: signedOut ? "You have signed out." : nil, csrf: context.csrf,
                                      singleSignOn: app.oidc?.config.label), context: context)
        }
        router.post("/sign-in") { _, context in try await self.request(context, app: app) }
        router.get("/sign-in/link") { request, context in
            let token = request.uri.queryParameters["token"].map(String.init) ?? ""
            var body = "<h1>Sign in to drwatch</h1>"
            guard Secrets.looksLikeToken(token) else { return Self.refused(app, context) }
            body += "<p>You opened a sign-in link from your email. It works once, within 15 minutes of being sent.</p>"
            body += "<form method=\"post\" action=\"/sign-in/link\" novalidate>\(Layout.csrfField(context.csrf))"
            body += "<input type=\"hidden\" name=\"token\" value=\"\(esc(token))\">"
            body += "<button type=\"submit\" class=\"button\">Sign in</button></form>"
            return app.html(Page(title: "Sign in", body: body), context: context)
        }
        router.post("/sign-in/link") { _, context in
            let token = context.form["token"] ?? ""
            guard Secrets.looksLikeToken(token),
                  let (email, next) = try app.stores.next().redeemSignInLink(tokenHash: Secrets.hash(token), now: context.now) else {
                app.audit(context, "sign-in", ref: nil, outcome: "refused", detail: "link unknown, used or expired")
                return Self.refused(app, context)
            }
            return try app.startSession(email: email, next: next, method: "email link", context: context)
        }
    }

    static func refused(_ app: WebApp, _ context: WebContext) -> Response {
        let body = """
            <h1>This sign-in link does not work</h1>
            <p>A sign-in link works once, within 15 minutes of being sent. This one has been used, has expired, or was copied incompletely.</p>
            <p><a href="/sign-in">Ask for a new sign-in link</a></p>
            """
        return app.html(Page(title: "Sign-in link does not work", body: body), context: context, status: .badRequest)
    }

    /// - Parameter singleSignOn: the single sign-on button's text when `[web.oidc]` is on (docs/sso.md).
    static func form(email: String?, next: String?, error: String?, notice: String? = nil, csrf: String?,
                     singleSignOn: String? = nil) -> Page {
        var body = "<h1>Sign in to drwatch</h1>"
        if let singleSignOn {
            let query = WebApp.safeNext(next).map { "?next=" + WebApp.percentEncode($0) } ?? ""
            body += "<p><a class=\"button\" href=\"/sign-in/oidc\(esc(query))\">\(esc(singleSignOn))</a></p>"
            body += "<h2>Or sign in with a link by email</h2>"
        }
        body += "<p>We will email you a link to sign in. Use your work email address.</p>"
        body += "<form method=\"post\" action=\"/sign-in\" novalidate>"
        body += Layout.csrfField(csrf)
        if let next = WebApp.safeNext(next) { body += "<input type=\"hidden\" name=\"next\" value=\"\(esc(next))\">" }
        body += FormField.text(id: "email", label: "Work email address", value: email, hint: "For example, jo.bloggs@council.example",
                           error: error, type: "email", autocomplete: "email")
        body += "<button type=\"submit\" class=\"button\">Send me a sign-in link</button></form>"
        return Page(title: "Sign in", body: body, errors: error.map { [FieldError(field: "email", message: $0)] } ?? [], notice: notice)
    }

    private func request(_ context: WebContext, app: WebApp) async throws -> Response {
        let email = (context.form["email"] ?? "").lowercased()
        let next = WebApp.safeNext(context.form["next"])
        guard email.count <= 254, isPlausibleEmail(email) else {
            let error = email.isEmpty ? "Enter your work email address" : "Enter an email address in the right format, like jo.bloggs@council.example"
            return app.html(Self.form(email: context.form["email"], next: next, error: error, csrf: context.csrf,
                                          singleSignOn: app.oidc?.config.label), context: context)
        }
        let store = app.stores.next()
        let since = context.now.addingTimeInterval(-WebApp.linkLifetime)
        var known = !app.person(email: email).configRoles.isEmpty
        if !known { known = !(try store.disputes(naming: email, limit: 1).isEmpty) }
        if !known {
            app.audit(context, "sign-in-requested", ref: nil, outcome: "refused", detail: "unknown address")
        } else if try store.signInLinkCount(email: email, since: since) >= WebApp.linksPerAddress {
            app.audit(context, "sign-in-requested", ref: nil, outcome: "refused", detail: "rate limited: \(email)")
            app.logger.notice("Sign-in link not sent: too many requests for one address in 15 minutes")
        } else {
            let token = Secrets.token()
            try store.addSignInLink(tokenHash: Secrets.hash(token), email: email, createdAt: context.now,
                                    expiresAt: context.now.addingTimeInterval(WebApp.linkLifetime), nextPath: next)
            let link = "\(app.web.baseURL)/sign-in/link?token=\(token)"
            let text = """
                Sign in to drwatch by opening this link:

                \(link)

                The link works once, within 15 minutes. If you did not ask to sign in, ignore this email: nobody can sign in without it.
                """
            let mail = OutgoingEmail(id: "sign-in/\(email)/\(Secrets.token().prefix(12))", from: app.channels.from, to: [email],
                                     subject: "Your drwatch sign-in link", textBody: text, htmlBody: nil, date: context.now)
            do {
                if let smtp = app.channels.smtp {
                    let result = await smtp.send(mail)
                    if !result.isComplete { throw result.error ?? DeliveryError(.invalidMessage, "not accepted") }
                } else {
                    _ = try app.channels.files.write(mail)
                }
                app.audit(context, "sign-in-requested", ref: nil, outcome: "done", detail: email)
            } catch {
                app.logger.error("Sign-in link not delivered", metadata: ["error": "\(error)"])
                app.audit(context, "sign-in-requested", ref: nil, outcome: "failed", detail: email)
            }
        }
        let body = """
            <h1>Check your email</h1>
            <p>If \(esc(email)) is an address drwatch knows, we have sent a sign-in link to it.</p>
            <p>The link works once, within 15 minutes. It can take a few minutes to arrive.</p>
            <p><a href="/sign-in">Send another link</a></p>
            """
        return app.html(Page(title: "Check your email", body: body), context: context)
    }
}
