import TOML

/// `[metrics]`: Prometheus metrics (docs/operations.md "Prometheus").
///
/// ```toml
/// [metrics]
/// textfile = "/var/lib/prometheus/node-exporter/drwatch.prom"   # the daemon rewrites it after every poll
/// token_file = "metrics-token"   # the web app serves /metrics to `Authorization: Bearer <this>` only
/// ```
public struct MetricsConfig: Equatable, Sendable {
    /// The file the daemon rewrites after each poll (`nil`: none); its folder must exist.
    public var textfile: String?
    /// The bearer token the web app's `/metrics` requires (`nil`: `/metrics` is not served).
    public var tokenFile: SecretFile?
    public init() {}

    static func read(_ root: TOMLReader) throws(ConfigFileError) -> MetricsConfig {
        var config = MetricsConfig()
        guard let m = try root.optionalTable("metrics") else { return config }
        if let path = try m.optionalString("textfile") {
            guard path.hasPrefix("/"), path.hasSuffix(".prom"), path.utf8.count <= 4096, !path.contains("\0") else {
                throw m.error("\(m.name("textfile")) must be an absolute path ending in .prom (node_exporter reads only those), e.g. \"/var/lib/prometheus/node-exporter/drwatch.prom\"", at: "textfile")
            }
            config.textfile = path
        }
        if let name = try m.optionalString("token_file") {
            if name.isEmpty || name.contains("\0") {
                throw m.error("\(m.name("token_file")) is empty; give the name of the file holding the bearer token, or remove the key", at: "token_file")
            }
            config.tokenFile = SecretFile(name: name, key: "[metrics] token_file", file: m.file, line: m.line(of: "token_file"))
        }
        return config
    }
}
