import CCrypto
import Foundation

// Random tokens (sessions, sign-in links, form tokens) and their stored hashes.

enum Secrets {
    /// 32 random bytes from OpenSSL's CSPRNG as base64url (43 characters, cookie-safe).
    static func token() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let ok = RAND_bytes(&bytes, Int32(bytes.count))
        precondition(ok == 1, "the system's random number generator failed")
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Hex SHA-256 of `text`: what the store keeps instead of a token.
    static func hash(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(text.utf8)
        _ = SHA256(bytes, bytes.count, &digest)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// True for a token as `token()` makes them (43 base64url characters): anything else is
    /// refused before the store is asked.
    static func looksLikeToken(_ s: String) -> Bool {
        s.utf8.count == 43 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }
}
