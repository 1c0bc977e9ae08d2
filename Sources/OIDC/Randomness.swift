import CCrypto
import Foundation

/// Random values and digests for the sign-in flow.
enum Randomness {
    /// `bytes` random bytes from the system's generator (getrandom), base64url without padding.
    static func token(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) })
        return base64URL(data)
    }
}

/// Base64url without padding (RFC 7515 appendix C).
func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Decodes base64url with or without padding; `nil` for anything else.
func base64URLDecode(_ text: Substring) -> Data? {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    guard !s.contains("=") || s.hasSuffix("=") else { return nil }
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s)
}

/// SHA-256 of `data` (OpenSSL's libcrypto).
func sha256(_ data: Data) -> Data {
    var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    data.withUnsafeBytes { buf in
        _ = SHA256(buf.bindMemory(to: UInt8.self).baseAddress, buf.count, &out)
    }
    return Data(out)
}

/// Lower-case hex SHA-256 of a string's UTF-8, as stored for states and browser bindings.
public func sha256Hex(_ text: String) -> String {
    sha256(Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// The PKCE S256 code challenge of a verifier (RFC 7636 section 4.2).
public func pkceChallenge(verifier: String) -> String {
    base64URL(sha256(Data(verifier.utf8)))
}
