import CCurl

/// The loaded libcurl, for `drwatch --version`.
public enum CurlInfo {
    /// "7.88.1 (OpenSSL/3.0.15)": `curl_version_info()`'s version and TLS backend (CURLVERSION_NOW is a macro Swift cannot import; the fields read exist since the first version).
    public static var version: String {
        guard let info = curl_version_info(CURLVERSION_FOURTH)?.pointee else { return "unknown" }
        let v = info.version.map { String(cString: $0) } ?? "unknown"
        let tls = info.ssl_version.map { String(cString: $0) }
        return tls.map { "\(v) (\($0))" } ?? v
    }
}
