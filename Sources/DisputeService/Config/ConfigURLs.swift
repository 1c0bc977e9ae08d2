import Foundation

/// True for 127.0.0.0/8, ::1 and localhost.
func isLoopbackHost(_ host: String) -> Bool {
    let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
    let parts = h.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
}

/// A URL shown without path, query or credentials (which may be secrets).
func redactedURL(_ url: URLComponents) -> String {
    var s = "\(url.scheme ?? "?")://\(url.host ?? "?")"
    if let port = url.port { s += ":\(port)" }
    if !(url.path.isEmpty || url.path == "/") || url.query != nil { s += "/…" }
    return s
}
