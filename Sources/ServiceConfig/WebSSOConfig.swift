import Delivery
import DisputeCore
import Foundation
import TOML

/// Single sign-on settings of the web app (docs/sso.md): `[web.oidc]` (OpenID Connect) and the
/// trusted proxy header of `[web]`. Both are off unless configured; the email sign-in link
/// stays available beside them.
///
/// ```toml
/// [web]
/// trusted_proxy_header = "X-Forwarded-Email"   # off unless set, with trusted_proxies
/// trusted_proxies = ["127.0.0.1"]
///
/// [web.oidc]
/// issuer = "https://login.microsoftonline.com/<tenant id>/v2.0"
/// client_id = "00000000-0000-0000-0000-000000000000"
/// client_secret_file = "oidc-client-secret"    # a file next to the config, or a systemd credential
/// redirect_url = "https://drwatch.council.example/sign-in/oidc/callback"
/// scopes = ["openid", "email", "profile"]
/// email_claim = "preferred_username"           # or "email" (the default)
/// tenants = ["<tenant id>"]                    # Entra `tid` values allowed; empty: any
/// groups_claim = "groups"
///
/// [web.oidc.groups]
/// "IRO Service Managers" = "iro-service-manager"
/// ```
public struct WebSSOConfig: Equatable, Sendable {
    public var oidc: OIDCConfig?
    public var proxyHeader: TrustedProxyHeader?
    public init(oidc: OIDCConfig? = nil, proxyHeader: TrustedProxyHeader? = nil) {
        self.oidc = oidc
        self.proxyHeader = proxyHeader
    }

    /// Reads `[web.oidc]` and the proxy keys from the `[web]` table.
    ///
    /// - Parameter resolve: makes a relative path absolute against the config's folder.
    public static func read(web w: TOMLReader, resolve: (String) -> String) throws(ConfigFileError) -> WebSSOConfig {
        var sso = WebSSOConfig()
        sso.proxyHeader = try TrustedProxyHeader.read(w)
        if let o = try w.optionalTable("oidc") { sso.oidc = try OIDCConfig.read(o, resolve: resolve) }
        return sso
    }
}

/// `[web.oidc]`: an OpenID Connect provider (Microsoft Entra ID or any other).
public struct OIDCConfig: Equatable, Sendable {
    /// The issuer URL exactly as the provider names itself; its discovery document is
    /// `<issuer>/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    /// The client secret (`client_secret_file`); `nil` for a public client (PKCE only).
    public var clientSecretFile: SecretFile?
    /// The callback address registered with the provider (`.../sign-in/oidc/callback`).
    public var redirectURL: String
    /// Always contains `openid`.
    public var scopes: [String]
    /// The claim holding the person's email address (`email`, `preferred_username`, `upn`).
    public var emailClaim: String
    /// Allowed tenant ids (the `tid` claim); empty allows any (a single-tenant issuer
    /// already restricts it).
    public var tenants: [String]
    /// The claim holding the person's groups (or app roles: `roles`).
    public var groupsClaim: String
    /// Group (as the provider sends it: an id or a name) -> drwatch role.
    public var groupRoles: [String: String]
    /// Leeway for `exp`, `iat` and `nbf`, in seconds.
    public var clockSkewSeconds: Int
    /// The text of the sign-in button.
    public var label: String
    /// A PEM CA bundle to trust for the provider instead of the system's.
    public var caFile: String?
    /// The line of `[web.oidc]`.
    public var line: Int

    public static let defaultScopes = ["openid", "email", "profile"]

    public init(issuer: String, clientID: String, clientSecretFile: SecretFile?, redirectURL: String,
                scopes: [String] = OIDCConfig.defaultScopes, emailClaim: String = "email", tenants: [String] = [],
                groupsClaim: String = "groups", groupRoles: [String: String] = [:], clockSkewSeconds: Int = 60,
                label: String = "Sign in with your organisation account", caFile: String? = nil, line: Int = 0) {
        self.issuer = issuer; self.clientID = clientID; self.clientSecretFile = clientSecretFile
        self.redirectURL = redirectURL; self.scopes = scopes; self.emailClaim = emailClaim; self.tenants = tenants
        self.groupsClaim = groupsClaim; self.groupRoles = groupRoles; self.clockSkewSeconds = clockSkewSeconds
        self.label = label; self.caFile = caFile; self.line = line
    }

    static func read(_ o: TOMLReader, resolve: (String) -> String) throws(ConfigFileError) -> OIDCConfig {
        func url(_ key: String, example: String) throws(ConfigFileError) -> String {
            let text = try o.requiredString(key)
            guard text.count <= 500, let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(),
                  let host = c.host, !host.isEmpty, c.user == nil, c.password == nil, c.fragment == nil else {
                throw o.error("\(o.name(key)) is not an address; write \(key) = \"\(example)\"", at: key)
            }
            guard scheme == "https" || (scheme == "http" && isLoopbackHost(host)) else {
                throw o.error("\(o.name(key)) must start with https:// (http:// only for 127.0.0.1 or localhost); write \(key) = \"\(example)\"", at: key)
            }
            return text
        }
        let issuer = try url("issuer", example: "https://login.microsoftonline.com/<tenant id>/v2.0")
        if URLComponents(string: issuer)?.query != nil {
            throw o.error("\"issuer\" in [web.oidc] has a query; give the issuer alone (drwatch adds /.well-known/openid-configuration)", at: "issuer")
        }
        let redirect = try url("redirect_url", example: "https://drwatch.council.example/sign-in/oidc/callback")
        if URLComponents(string: redirect)?.query != nil {
            throw o.error("\"redirect_url\" in [web.oidc] has a query; register and give the plain callback address", at: "redirect_url")
        }
        let clientID = try o.requiredString("client_id")
        guard isPrintableToken(clientID, max: 200) else {
            throw o.error("\"client_id\" in [web.oidc] is empty, too long or has spaces; copy the application (client) id from the provider", at: "client_id")
        }
        var secret: SecretFile? = nil
        if let name = try o.optionalString("client_secret_file") {
            if name.isEmpty || name.contains("\0") {
                throw o.error("\"client_secret_file\" in [web.oidc] is empty; give the name of the file holding the client secret", at: "client_secret_file")
            }
            secret = SecretFile(name: name, key: "[web.oidc] client_secret_file", file: o.file, line: o.line(of: "client_secret_file"))
        }
        var scopes = OIDCConfig.defaultScopes
        if let list = try o.optionalStringList("scopes") {
            for (scope, line) in list where !isPrintableToken(scope, max: 100) {
                throw o.error("scope \"\(scope)\" in [web.oidc] is empty, too long or has spaces; list each scope as its own string", line: line)
            }
            scopes = list.map(\.value)
            guard scopes.contains("openid") else {
                throw o.error("\"scopes\" in [web.oidc] lacks \"openid\"; add it, e.g. scopes = [\"openid\", \"email\", \"profile\"]", at: "scopes")
            }
        }
        let emailClaim = try o.optionalString("email_claim") ?? "email"
        guard isClaimName(emailClaim) else {
            throw o.error("\"email_claim\" in [web.oidc] is not a claim name; write email_claim = \"email\" or \"preferred_username\"", at: "email_claim")
        }
        var tenants: [String] = []
        for (tenant, line) in try o.optionalStringList("tenants") ?? [] {
            guard isPrintableToken(tenant, max: 100) else {
                throw o.error("tenant \"\(tenant)\" in [web.oidc] is not a tenant id; copy the directory (tenant) id", line: line)
            }
            tenants.append(tenant)
        }
        if issuer.contains("/common/") || issuer.contains("/organizations/") || issuer.hasSuffix("/common") || issuer.hasSuffix("/organizations") {
            if tenants.isEmpty {
                throw o.error("\"issuer\" in [web.oidc] accepts accounts from any Entra tenant; list the council's tenant ids in tenants = [\"...\"], or use the issuer https://login.microsoftonline.com/<tenant id>/v2.0", at: "issuer")
            }
        }
        let groupsClaim = try o.optionalString("groups_claim") ?? "groups"
        guard isClaimName(groupsClaim) else {
            throw o.error("\"groups_claim\" in [web.oidc] is not a claim name; write groups_claim = \"groups\" (or \"roles\" for app roles)", at: "groups_claim")
        }
        var groupRoles: [String: String] = [:]
        if let g = try o.optionalTable("groups") {
            for group in g.keys {
                let line = g.line(of: group)
                guard !group.isEmpty, group.count <= 256 else {
                    throw g.error("a group name in [web.oidc.groups] is empty or longer than 256 characters", line: line)
                }
                guard let role = try g.optionalString(group) else { continue }
                guard !role.isEmpty, role.count <= 100, role.unicodeScalars.allSatisfy(isRoleNameScalar) else {
                    throw g.error("role \"\(role)\" for group \"\(group)\" in [web.oidc.groups] may use only letters, digits, - and _", line: line)
                }
                groupRoles[group] = role
            }
        }
        let skew = try o.optionalInt("clock_skew_seconds", in: 0...300) ?? 60
        let label = try o.optionalString("label") ?? "Sign in with your organisation account"
        guard !label.isEmpty, label.count <= 80, !label.unicodeScalars.contains(where: { $0.value < 32 }) else {
            throw o.error("\"label\" in [web.oidc] must be 1 to 80 characters on one line", at: "label")
        }
        var caFile: String? = nil
        if let ca = try o.optionalString("ca_file") {
            if ca.isEmpty { throw o.error("\"ca_file\" in [web.oidc] is empty; give a PEM file or remove the key", at: "ca_file") }
            caFile = resolve(ca)
        }
        return OIDCConfig(issuer: issuer, clientID: clientID, clientSecretFile: secret, redirectURL: redirect, scopes: scopes,
                          emailClaim: emailClaim, tenants: tenants, groupsClaim: groupsClaim, groupRoles: groupRoles,
                          clockSkewSeconds: skew, label: label, caFile: caFile, line: o.line)
    }

    /// A summary line, without the secret.
    public var summary: String {
        var s = "[web.oidc] issuer \(issuer), client \(clientID), email from \"\(emailClaim)\""
        if let clientSecretFile { s += ", client secret in \(clientSecretFile)" } else { s += ", no client secret (public client)" }
        if !tenants.isEmpty { s += ", tenants \(tenants.joined(separator: ", "))" }
        if !groupRoles.isEmpty { s += ", \(groupRoles.count) group\(groupRoles.count == 1 ? "" : "s") mapped to roles from \"\(groupsClaim)\"" }
        return s
    }
}

/// `[web] trusted_proxy_header` and `trusted_proxies`: a reverse proxy that has already
/// authenticated the person (oauth2-proxy, Apache mod_auth_openidc) names them in a header;
/// honoured only on connections from the listed addresses.
public struct TrustedProxyHeader: Equatable, Sendable {
    /// The header name, e.g. `X-Forwarded-Email` (compared case-insensitively).
    public var header: String
    /// IP addresses (exact, as the connection's peer address reads) of the proxies.
    public var proxies: [String]
    public var line: Int
    public init(header: String, proxies: [String], line: Int = 0) {
        self.header = header; self.proxies = proxies; self.line = line
    }

    static func read(_ w: TOMLReader) throws(ConfigFileError) -> TrustedProxyHeader? {
        let header = try w.optionalString("trusted_proxy_header")
        let proxies = try w.optionalStringList("trusted_proxies")
        guard let header else {
            if proxies != nil {
                throw w.error("\"trusted_proxies\" in [web] is set without trusted_proxy_header; add trusted_proxy_header = \"X-Forwarded-Email\" or remove trusted_proxies", at: "trusted_proxies")
            }
            return nil
        }
        guard !header.isEmpty, header.count <= 100, header.unicodeScalars.allSatisfy(isHeaderNameScalar) else {
            throw w.error("\"trusted_proxy_header\" in [web] is not a header name; write trusted_proxy_header = \"X-Forwarded-Email\"", at: "trusted_proxy_header")
        }
        let reserved = ["host", "cookie", "authorization", "content-type", "content-length", "x-forwarded-for"]
        if reserved.contains(header.lowercased()) {
            throw w.error("\"trusted_proxy_header\" in [web] cannot be \(header); use the header your proxy sets with the email, e.g. X-Forwarded-Email", at: "trusted_proxy_header")
        }
        guard let proxies, !proxies.isEmpty else {
            throw w.error("\"trusted_proxy_header\" in [web] needs trusted_proxies, the addresses of the proxies allowed to set it; add trusted_proxies = [\"127.0.0.1\"]", at: "trusted_proxy_header")
        }
        var addresses: [String] = []
        for (address, line) in proxies {
            guard let normal = normalisedIPAddress(address) else {
                throw w.error("\"\(address)\" in [web] trusted_proxies is not an IP address; write each proxy's address, e.g. \"127.0.0.1\" or \"::1\"", line: line)
            }
            addresses.append(normal)
        }
        return TrustedProxyHeader(header: header, proxies: addresses, line: w.line(of: "trusted_proxy_header"))
    }
}

/// An IPv4 or IPv6 literal in its canonical text form (`inet_ntop`), or `nil`.
public func normalisedIPAddress(_ text: String) -> String? {
    let t = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    guard !t.isEmpty, t.count <= 64 else { return nil }
    var v4 = in_addr()
    if inet_pton(AF_INET, t, &v4) == 1 {
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &v4, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, t, &v6) == 1 {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &v6, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return nil
}

private func isPrintableToken(_ s: String, max: Int) -> Bool {
    !s.isEmpty && s.count <= max && s.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 }
}

private func isClaimName(_ s: String) -> Bool {
    !s.isEmpty && s.count <= 100 && s.unicodeScalars.allSatisfy { isRoleNameScalar($0) || $0 == "." || $0 == ":" }
}

private func isHeaderNameScalar(_ c: Unicode.Scalar) -> Bool {
    switch c {
    case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
    default: false
    }
}
