import Foundation
import Testing
@testable import Delivery

@Suite struct WebhookRendererSpec {
    let message = OutgoingWebhook(id: "ABC-123/2/overdue/hos", ref: "ABC-123", event: "overdue", stage: 2,
                                  due: Date(timeIntervalSince1970: 1_796_490_000), reason: "Stage 2 passed its deadline",
                                  roles: ["head-of-service"], title: "Stage 2 overdue: ABC-123", text: "Stage 2 <is> late & needs action")

    func json(_ f: WebhookFormat) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: WebhookRenderer.body(message, format: f, sentAt: composedAt)) as? [String: Any])
    }

    @Test func genericCarriesIdentityAndFacts() throws {
        let o = try json(.generic)
        #expect(o["id"] as? String == "ABC-123/2/overdue/hos")
        #expect(o["ref"] as? String == "ABC-123")
        #expect(o["event"] as? String == "overdue")
        #expect(o["stage"] as? Int == 2)
        #expect(o["due"] as? String == "2026-12-05T17:00:00Z")
        #expect(o["roles"] as? [String] == ["head-of-service"])
        #expect(o["sent_at"] as? String == "2026-12-01T08:30:00Z")
    }

    @Test func teamsIsAWorkflowsMessageWithAnAdaptiveCard() throws {
        let o = try json(.teams)
        #expect(o["type"] as? String == "message")
        let att = try #require((o["attachments"] as? [[String: Any]])?.first)
        #expect(att["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(att["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.4")
    }

    @Test func slackHasTextAndEscapedBlocks() throws {
        let o = try json(.slack)
        #expect((o["text"] as? String)?.contains("&lt;is&gt; late &amp;") == true)
        #expect((o["blocks"] as? [[String: Any]])?.first?["type"] as? String == "header")
    }

    @Test func signatureIsHMACSHA256OverTimestampDotBody() {
        // RFC-style known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        #expect(hmacSHA256Hex(key: Data("key".utf8), message: Data("The quick brown fox jumps over the lazy dog".utf8))
            == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        let sig = WebhookRenderer.signature(body: Data("{}".utf8), secret: "key", timestamp: 1700000000)
        #expect(sig == "t=1700000000,v1=" + hmacSHA256Hex(key: Data("key".utf8), message: Data("1700000000.{}".utf8)))
    }
}
