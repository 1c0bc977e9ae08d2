import TOML

/// `[import]`: repeated imports from a case-management export (docs/import.md).
///
/// ```toml
/// [import]
/// directory = "/var/lib/drwatch/import"   # the drop folder the daemon syncs (done/, failed/ inside)
/// strict = false                          # true: a file with any refused row is refused whole
///
/// [import.columns]                        # export header = drwatch column (or "ignore")
/// "Case Number" = "ref"
/// "Child Name" = "ignore"
///
/// [import.values.event]                   # per drwatch column: export code = drwatch value
/// "QoP Alert Raised" = "opened"
/// ```
public struct ImportConfig: Equatable, Sendable {
    /// The drop folder, resolved; `nil`: the daemon watches no folder.
    public var directory: String?
    /// The drop folder refuses a file whole when any row is refused (as `--strict`).
    public var strict = false
    /// `[import.columns]` and `[import.values]`.
    public var mapping = ImportMapping.identity
    /// The line of `[import]` (0 when absent).
    public var line = 0
    public init() {}
}

extension ImportConfig {
    static func read(_ root: TOMLReader, resolve: (String) -> String) throws(ConfigFileError) -> ImportConfig {
        var config = ImportConfig()
        guard let t = try root.optionalTable("import") else { return config }
        config.line = t.line
        config.directory = try DrwatchConfig.nonEmptyPath(t, "directory").map(resolve)
        config.strict = try t.optionalBool("strict") ?? false
        var columns: [(header: String, column: String)] = []
        var lines: [String: Int] = [:]
        let columnsTable = try t.optionalTable("columns")
        if let c = columnsTable {
            for key in c.keys {
                columns.append((key, try c.requiredString(key)))
                lines[key] = c.line(of: key)
            }
        }
        var values: [(column: String, codes: [(code: String, value: String)])] = []
        let valuesTable = try t.optionalTable("values")
        if let v = valuesTable {
            for column in v.keys {
                let codes = try v.table(column)
                var list: [(code: String, value: String)] = []
                for code in codes.keys {
                    list.append((code, try codes.requiredString(code)))
                    lines[code] = codes.line(of: code)
                }
                values.append((column, list))
                lines[column] = v.line(of: column)
            }
        }
        switch ImportMapping.make(columns: columns, values: values) {
        case .success(let m): config.mapping = m
        case .failure(let f):
            let first = f.problems[0]
            throw t.error("[import]: \(first.message)", line: lines[first.key] ?? t.line)
        }
        return config
    }
}
