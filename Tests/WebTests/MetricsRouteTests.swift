import Foundation
import Testing
@testable import Web

/// `GET /metrics`: served only with `[metrics] token_file`, only to its bearer token.
@Suite("Web metrics")
struct MetricsRouteTests {
    /// A token file (mode 0600) outside the harness's folder, and a harness whose config names it.
    static func harness(token: String = "s3cret-metrics-token-0123456789") async throws -> WebHarness {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("drwatch-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("metrics-token")
        FileManager.default.createFile(atPath: file.path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        return try await WebHarness(web: "base_url = \"https://drwatch.test\"\n[metrics]\ntoken_file = \"\(file.path)\"")
    }

    @Test func theRightBearerTokenGetsTheMetrics() async throws {
        let web = try await Self.harness()
        defer { Task { await web.stop() } }
        try web.open("DR-1")
        let r = try await web.request("GET", "/metrics", headers: ["Authorization": "Bearer s3cret-metrics-token-0123456789"])
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(r.body.contains("# TYPE drwatch_polls_total counter\ndrwatch_polls_total 0\n"))
        #expect(r.body.contains("drwatch_open_disputes{state=\"on-track\"} 1\n"), "\(r.body)")
        #expect(!r.body.contains("DR-1"))
    }

    @Test(arguments: [
        nil,
        "Bearer wrong-token",
        "Bearer s3cret-metrics-token-012345678",     // one byte short
        "Basic czNjcmV0LW1ldHJpY3M=",
        "s3cret-metrics-token-0123456789",
    ] as [String?])
    func anyOtherRequestIsRefusedWith401(authorization: String?) async throws {
        let web = try await Self.harness()
        defer { Task { await web.stop() } }
        let r = try await web.request("GET", "/metrics", headers: authorization.map { ["Authorization": $0] } ?? [:])
        #expect(r.status == 401)
        #expect(r.header("WWW-Authenticate") == "Bearer realm=\"drwatch metrics\"")
        #expect(r.body == "a bearer token is required\n")
    }

    @Test func withoutATokenFileThereIsNoMetricsPage() async throws {
        let web = try await WebHarness()
        defer { Task { await web.stop() } }
        let r = try await web.request("GET", "/metrics", headers: ["Authorization": "Bearer anything"])
        #expect(r.status == 404)
        #expect(!r.body.contains("drwatch_"))
    }

    @Test(arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("", "a", false)])
    func tokensCompareByEveryByte(a: String, b: String, equal: Bool) {
        #expect(MetricsRoute.equalInConstantTime(a, b) == equal)
    }
}
