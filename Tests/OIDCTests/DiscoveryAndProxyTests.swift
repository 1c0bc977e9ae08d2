import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation
@testable import OIDC
import Testing

/// Pure parts: reading a discovery document, and what the trusted proxy header means.
struct DiscoveryTests {
    static func document(_ fields: [String: Any]) -> Data {
        var doc: [String: Any] = [
            "issuer": "https://idp.council.example",
            "authorization_endpoint": "https://idp.council.example/authorize",
            "token_endpoint": "https://idp.council.example/token",
            "jwks_uri": "https://idp.council.example/keys",
            "response_types_supported": ["code", "id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
        ]
        for (k, v) in fields { doc[k] = v }
        return try! JSONSerialization.data(withJSONObject: doc)
    }

    @Test func readsADocument() throws {
        let m = try ProviderMetadata.parse(Self.document(["end_session_endpoint": "https://idp.council.example/logout",
                                                         "token_endpoint_auth_methods_supported": ["client_secret_post"]]),
                                           configuredIssuer: "https://idp.council.example")
        #expect(m.tokenEndpoint == "https://idp.council.example/token")
        #expect(m.endSessionEndpoint == "https://idp.council.example/logout")
        #expect(m.signingAlgorithms == ["RS256"])
        #expect(m.usesBasicAuthentication == false)
        #expect(m.expectedIssuer(tenant: "anything") == "https://idp.council.example")
    }

    @Test func acceptsEntrasTenantTemplateOnlyForAMultiTenantIssuer() throws {
        let doc = Self.document(["issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"])
        let m = try ProviderMetadata.parse(doc, configuredIssuer: "https://login.microsoftonline.com/organizations/v2.0")
        #expect(m.isTenantTemplate)
        #expect(m.expectedIssuer(tenant: "t-1") == "https://login.microsoftonline.com/t-1/v2.0")
        #expect(m.expectedIssuer(tenant: nil) == nil)
        let error = #expect(throws: OIDCError.self) {
            try ProviderMetadata.parse(doc, configuredIssuer: "https://login.microsoftonline.com/t-1/v2.0")
        }
        #expect(error?.message == "the discovery document of https://login.microsoftonline.com/t-1/v2.0 names the issuer https://login.microsoftonline.com/{tenantid}/v2.0; set [web.oidc] issuer to exactly that")
    }

    @Test(arguments: [
        (["issuer": "https://other.example"], "names the issuer https://other.example; set [web.oidc] issuer to exactly that"),
        (["token_endpoint": "http://idp.council.example/token"], "gives token_endpoint that is not an https:// address"),
        (["id_token_signing_alg_values_supported": ["HS256", "none"]], "signs ID tokens with HS256, none only; drwatch accepts RS256 or ES256: change the provider's token signing algorithm"),
        (["code_challenge_methods_supported": ["plain"]], "does not offer PKCE with S256 (code_challenge_methods_supported lacks \"S256\")"),
        (["response_types_supported": ["id_token"]], "does not offer the authorization code flow (response_types_supported lacks \"code\")"),
    ] as [([String: any Sendable], String)])
    func refusesAnUnusableDocument(_ fields: [String: any Sendable], _ says: String) {
        let error = #expect(throws: OIDCError.self) {
            try ProviderMetadata.parse(Self.document(fields.mapValues { $0 as Any }), configuredIssuer: "https://idp.council.example")
        }
        #expect(error?.kind == .providerUnavailable)
        #expect(error?.message == "the discovery document of https://idp.council.example " + says)
    }

    @Test func keepsOnlyUsableSigningKeys() throws {
        let jwks = """
            {"keys": [
              {"kty": "RSA", "kid": "a", "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"},
              {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
              {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
              {"kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"},
              {"kty": "RSA", "kid": "ps", "alg": "PS256", "n": "AQAB", "e": "AQAB"}
            ]}
            """
        let parsed = try ProviderKeys.parse(Data(jwks.utf8))
        #expect(parsed.keys.map(\.kid) == ["a"])
        #expect(parsed.keys.map(\.algorithm) == ["RS256"])
        #expect(parsed.skipped == 4)
    }
}

struct ProxyHeaderTests {
    static let config = TrustedProxyHeader(header: "X-Forwarded-Email", proxies: ["127.0.0.1", "::1"])

    @Test(arguments: [
        (config as TrustedProxyHeader?, "127.0.0.1", ["Jo.IRO@council.example"], ProxyIdentity.email("jo.iro@council.example")),
        (config, "::1", ["tm@council.example"], .email("tm@council.example")),
        (config, "127.0.0.2", ["jo.iro@council.example"], .untrustedPeer("127.0.0.2")),
        (config, "10.1.2.3", ["jo.iro@council.example"], .untrustedPeer("10.1.2.3")),
        (config, "127.0.0.1", ["not an address"], .malformed),
        (config, "127.0.0.1", ["a@council.example", "b@council.example"], .malformed),
        (config, "127.0.0.1", [], .none),
        (nil, "127.0.0.1", ["jo.iro@council.example"], .none),
    ])
    func decidesFromThePeerAddress(_ config: TrustedProxyHeader?, _ peer: String, _ values: [String], _ expected: ProxyIdentity) {
        #expect(proxyIdentity(config: config, peerAddress: peer, headerValues: values) == expected)
    }

    @Test func keepsSitePathsOnly() {
        #expect(sitePath("/disputes/DR-1?tab=history") == "/disputes/DR-1?tab=history")
        #expect(sitePath("//evil.example/") == nil)
        #expect(sitePath("/\\evil.example") == nil)
        #expect(sitePath("https://evil.example/") == nil)
        #expect(sitePath("/a\nb") == nil)
    }
}
