import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation
import TOML
import Testing

/// `[web.oidc]` and the trusted proxy header, parsed strictly: each mistake names its line
/// and how to fix it.
struct SSOConfigTests {
    static let base = "policies = [\"policies/four-stage.toml\"]\n\n"

    func parse(_ text: String) throws -> DrwatchConfig {
        try DrwatchConfig.parse(text: Self.base + text, path: "/etc/drwatch/drwatch.toml")
    }

    @Test func readsAnEntraConfiguration() throws {
        let c = try parse("""
            [web]
            base_url = "https://drwatch.council.example"

            [web.oidc]
            issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
            client_id = "6f1c5a1e-0000-4000-8000-000000000001"
            client_secret_file = "oidc-client-secret"
            redirect_url = "https://drwatch.council.example/sign-in/oidc/callback"
            email_claim = "preferred_username"
            tenants = ["11111111-2222-3333-4444-555555555555"]

            [web.oidc.groups]
            "IRO Service Managers" = "iro-service-manager"
            "0b6c7f7e-aaaa-bbbb-cccc-000000000002" = "head-of-service"
            """)
        let o = try #require(c.sso.oidc)
        #expect(o.issuer == "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0")
        #expect(o.clientID == "6f1c5a1e-0000-4000-8000-000000000001")
        #expect(o.clientSecretFile == SecretFile(name: "oidc-client-secret", key: "[web.oidc] client_secret_file", file: "/etc/drwatch/drwatch.toml", line: 9))
        #expect(o.scopes == ["openid", "email", "profile"])
        #expect(o.emailClaim == "preferred_username")
        #expect(o.tenants == ["11111111-2222-3333-4444-555555555555"])
        #expect(o.groupsClaim == "groups")
        #expect(o.groupRoles == ["IRO Service Managers": "iro-service-manager", "0b6c7f7e-aaaa-bbbb-cccc-000000000002": "head-of-service"])
        #expect(o.clockSkewSeconds == 60)
        #expect(o.line == 6)
        #expect(c.sso.proxyHeader == nil)
        #expect(c.secretFiles.contains(o.clientSecretFile!))
        #expect(c.description.contains("[web.oidc] issuer https://login.microsoftonline.com/"))
    }

    @Test func readsTheTrustedProxyHeader() throws {
        let c = try parse("""
            [web]
            trusted_proxy_header = "X-Forwarded-Email"
            trusted_proxies = ["127.0.0.1", "::0001"]
            """)
        #expect(c.sso.proxyHeader == TrustedProxyHeader(header: "X-Forwarded-Email", proxies: ["127.0.0.1", "::1"], line: 4))
        #expect(c.sso.oidc == nil)
    }

    static let oidcKeys = """
        [web.oidc]
        issuer = "https://idp.council.example"
        client_id = "drwatch"
        redirect_url = "http://127.0.0.1:8080/sign-in/oidc/callback"

        """

    struct Mistake: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var error: String
        var testDescription: String { name }
    }

    static let mistakes: [Mistake] = [
        Mistake(name: "issuer over plain http", text: oidcKeys.replacingOccurrences(of: "https://idp.", with: "http://idp."),
                error: "/etc/drwatch/drwatch.toml:4: \"issuer\" in [web.oidc] must start with https:// (http:// only for 127.0.0.1 or localhost); write issuer = \"https://login.microsoftonline.com/<tenant id>/v2.0\""),
        Mistake(name: "no client id", text: oidcKeys.replacingOccurrences(of: "client_id = \"drwatch\"\n", with: ""),
                error: "/etc/drwatch/drwatch.toml:3: missing required key \"client_id\" in [web.oidc]; add client_id = \"...\" to [web.oidc]"),
        Mistake(name: "scopes without openid", text: oidcKeys + "scopes = [\"email\"]\n",
                error: "/etc/drwatch/drwatch.toml:7: \"scopes\" in [web.oidc] lacks \"openid\"; add it, e.g. scopes = [\"openid\", \"email\", \"profile\"]"),
        Mistake(name: "any Entra tenant without a tenant list",
                text: oidcKeys.replacingOccurrences(of: "https://idp.council.example", with: "https://login.microsoftonline.com/organizations/v2.0"),
                error: "/etc/drwatch/drwatch.toml:4: \"issuer\" in [web.oidc] accepts accounts from any Entra tenant; list the council's tenant ids in tenants = [\"...\"], or use the issuer https://login.microsoftonline.com/<tenant id>/v2.0"),
        Mistake(name: "a group mapped to a bad role name", text: oidcKeys + "[web.oidc.groups]\n\"Managers\" = \"service manager\"\n",
                error: "/etc/drwatch/drwatch.toml:8: role \"service manager\" for group \"Managers\" in [web.oidc.groups] may use only letters, digits, - and _"),
        Mistake(name: "clock skew too large", text: oidcKeys + "clock_skew_seconds = 3600\n",
                error: "/etc/drwatch/drwatch.toml:7: \"clock_skew_seconds\" in [web.oidc] is 3600, out of range; use a value from 0 to 300"),
        Mistake(name: "a misspelt key", text: oidcKeys + "client_secret = \"hunter2\"\n",
                error: "/etc/drwatch/drwatch.toml:7: unknown key \"client_secret\" in [web.oidc] at line 7; remove it or fix its spelling (known keys: issuer, redirect_url, client_id, client_secret_file, scopes, email_claim, tenants, groups_claim, groups, clock_skew_seconds, label, ca_file)"),
        Mistake(name: "a redirect address of another site",
                text: oidcKeys.replacingOccurrences(of: "http://127.0.0.1:8080/", with: "https://elsewhere.example/"),
                error: "/etc/drwatch/drwatch.toml:3: \"redirect_url\" in [web.oidc] is not an address of this site (http://127.0.0.1:8080); write redirect_url = \"http://127.0.0.1:8080/sign-in/oidc/callback\""),
        Mistake(name: "proxies without a header", text: "[web]\ntrusted_proxies = [\"127.0.0.1\"]\n",
                error: "/etc/drwatch/drwatch.toml:4: \"trusted_proxies\" in [web] is set without trusted_proxy_header; add trusted_proxy_header = \"X-Forwarded-Email\" or remove trusted_proxies"),
        Mistake(name: "a header without proxies", text: "[web]\ntrusted_proxy_header = \"X-Forwarded-Email\"\n",
                error: "/etc/drwatch/drwatch.toml:4: \"trusted_proxy_header\" in [web] needs trusted_proxies, the addresses of the proxies allowed to set it; add trusted_proxies = [\"127.0.0.1\"]"),
        Mistake(name: "a proxy that is not an address", text: "[web]\ntrusted_proxy_header = \"X-Forwarded-Email\"\ntrusted_proxies = [\"proxy.council.example\"]\n",
                error: "/etc/drwatch/drwatch.toml:5: \"proxy.council.example\" in [web] trusted_proxies is not an IP address; write each proxy's address, e.g. \"127.0.0.1\" or \"::1\""),
    ]

    @Test(arguments: mistakes)
    func refusesAMistake(_ m: Mistake) {
        let error = #expect(throws: ConfigFileError.self) { try parse(m.text) }
        #expect(error?.description == m.error)
    }
}
