import Foundation

/// A URL shown without path, query or credentials (which may be secrets).
func redactedURL(_ url: URLComponents) -> String {
    var s = "\(url.scheme ?? "?")://\(url.host ?? "?")"
    if let port = url.port { s += ":\(port)" }
    if !(url.path.isEmpty || url.path == "/") || url.query != nil { s += "/…" }
    return s
}
