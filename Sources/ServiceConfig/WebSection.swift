import Delivery
import Foundation
import TOML

/// `[web]`: the staff web app (`drwatch serve`; README "Web app").
///
/// ```toml
/// [web]
/// listen = "127.0.0.1:8080"                     # loopback only: TLS is the reverse proxy's job
/// base_url = "https://drwatch.council.example"  # the address staff use; links in notifications
/// session_hours = 8                             # a session ends this long after signing in
/// manager_roles = ["iro-service-manager", "head-of-service", "admin"]  # may see the overview
/// admin_roles = ["admin"]                       # may see the outbox and retry messages
/// raiser_roles = ["iro", "iro-service-manager"] # may raise, when a policy names no initiators
/// serve_in_run = false                          # true: `drwatch run` serves the app too (one process)
/// ```
///
/// drwatch serves plain HTTP only: a `listen` address that is not loopback is refused, because
/// sessions and sign-in links must not cross a network in clear. Put nginx (or the council's
/// proxy) in front for TLS.
public struct WebConfig: Equatable, Sendable {
    /// Host (an IP literal or localhost) and port to listen on.
    public var host: String
    public var port: Int
    /// The address staff reach the app at, without a trailing slash (`https://...`).
    public var baseURL: String
    public var sessionHours: Int
    public var managerRoles: [String]
    public var adminRoles: [String]
    public var raiserRoles: [String]
    /// `serve_in_run`: `drwatch run` also serves the web app, in the same process (default
    /// false: `drwatch serve`, e.g. `drwatch-web.service`, serves it).
    public var serveInRun = false
    /// The config line of `[web]`.
    public var line: Int
    /// `[web.oidc]` and `trusted_proxy_header`: single sign-on (WebSSOConfig.swift, docs/sso.md).
    public var sso = WebSSOConfig()

    /// True when the cookie must be `Secure` (the site is reached over https).
    public var secureCookies: Bool { baseURL.lowercased().hasPrefix("https://") }

    public init(host: String = "127.0.0.1", port: Int = 8080, baseURL: String = "http://127.0.0.1:8080", sessionHours: Int = 8,
                managerRoles: [String] = WebConfig.defaultManagerRoles, adminRoles: [String] = ["admin"],
                raiserRoles: [String] = ["iro", "iro-service-manager"], line: Int = 0) {
        self.host = host; self.port = port; self.baseURL = baseURL; self.sessionHours = sessionHours
        self.managerRoles = managerRoles; self.adminRoles = adminRoles; self.raiserRoles = raiserRoles; self.line = line
    }

    public static let defaultManagerRoles = [
        "iro-service-manager", "head-of-service", "head-of-service-safeguarding", "service-director",
        "director-of-childrens-services", "admin",
    ]

    static func read(_ root: TOMLReader, resolve: (String) -> String) throws(ConfigFileError) -> WebConfig? {
        guard let w = try root.optionalTable("web") else { return nil }
        var web = WebConfig(line: w.line)
        if let listen = try w.optionalString("listen") {
            guard let (host, port) = splitHostPort(listen) else {
                throw w.error("\"listen\" in [web] is not HOST:PORT; write listen = \"127.0.0.1:8080\"", at: "listen")
            }
            guard isLoopbackHost(host) else {
                throw w.error("\"listen\" in [web] is \(host), not a loopback address; drwatch serves plain HTTP only, so listen on 127.0.0.1 and put a TLS reverse proxy in front (README \"Web app\")", at: "listen")
            }
            web.host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            web.port = port
        }
        if let base = try w.optionalString("base_url") {
            var trimmed = base
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            guard let parts = URLComponents(string: trimmed), let scheme = parts.scheme?.lowercased(), let host = parts.host, !host.isEmpty,
                  parts.query == nil, parts.fragment == nil, parts.user == nil, trimmed.count <= 200 else {
                throw w.error("\"base_url\" in [web] is not a site address; write base_url = \"https://drwatch.council.example\"", at: "base_url")
            }
            guard scheme == "https" || (scheme == "http" && isLoopbackHost(host)) else {
                throw w.error("\"base_url\" in [web] must start with https:// (http:// only for 127.0.0.1 or localhost)", at: "base_url")
            }
            web.baseURL = trimmed
        } else {
            web.baseURL = "http://\(web.host.contains(":") ? "[\(web.host)]" : web.host):\(web.port)"
        }
        web.sessionHours = try w.optionalInt("session_hours", in: 1...168) ?? web.sessionHours
        func roles(_ key: String) throws(ConfigFileError) -> [String]? {
            guard let list = try w.optionalStringList(key) else { return nil }
            for (role, line) in list where role.isEmpty || !role.unicodeScalars.allSatisfy({ isRoleNameScalar($0) }) {
                throw w.error("role name \"\(role)\" in [web] \(key) may use only letters, digits, - and _", line: line)
            }
            return list.map(\.value)
        }
        web.managerRoles = try roles("manager_roles") ?? web.managerRoles
        web.adminRoles = try roles("admin_roles") ?? web.adminRoles
        web.raiserRoles = try roles("raiser_roles") ?? web.raiserRoles
        web.serveInRun = try w.optionalBool("serve_in_run") ?? false
        web.sso = try WebSSOConfig.read(web: w, resolve: resolve)
        if let oidc = web.sso.oidc, !oidc.redirectURL.hasPrefix(web.baseURL + "/") {
            throw w.error("\"redirect_url\" in [web.oidc] is not an address of this site (\(web.baseURL)); write redirect_url = \"\(web.baseURL)/sign-in/oidc/callback\"", line: oidc.line)
        }
        return web
    }
}

/// `127.0.0.1:8080`, `localhost:8080`, `[::1]:8080` -> host and port 1...65535.
func splitHostPort(_ text: String) -> (String, Int)? {
    guard let colon = text.lastIndex(of: ":") else { return nil }
    let host = String(text[..<colon]), portText = text[text.index(after: colon)...]
    guard !host.isEmpty, let port = Int(portText), (1...65_535).contains(port) else { return nil }
    if host.contains(":") && !(host.hasPrefix("[") && host.hasSuffix("]")) { return nil }
    return (host, port)
}
