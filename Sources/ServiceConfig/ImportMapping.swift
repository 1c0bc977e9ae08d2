import Foundation

// Councils' exports do not share column names or codes. `[import.columns]` maps an export's
// headers to drwatch's columns (docs/import.md) and `[import.values]` maps its codes (an LCS
// stage name, an event code) to drwatch's values, column by column. Pure.

/// How to read a council's export as drwatch's import layout.
public struct ImportMapping: Sendable, Equatable {
    /// The word that, as a column's target, drops the export column (a name, a free-text field
    /// drwatch must not keep).
    public static let ignore = "ignore"

    /// Export header (trimmed, lower case) -> drwatch column, or `ignore`.
    public private(set) var columns: [String: String]
    /// drwatch column -> export code (trimmed) -> drwatch value.
    public private(set) var values: [String: [String: String]]

    public static let identity = ImportMapping()

    public init() { columns = [:]; values = [:] }

    /// The columns an export may map to: drwatch's import columns and `event_id`.
    public static var targets: [String] { ImportColumn.allCases.map(\.rawValue) + [ImportColumn.eventIDName] }

    /// Builds a mapping, checking it whole.
    ///
    /// - Parameters:
    ///   - columns: export header -> drwatch column (or `ignore`), as the config lists them.
    ///   - values: drwatch column -> export code -> drwatch value.
    /// - Returns: the mapping, or one message per problem with the key it concerns.
    public static func make(columns: [(header: String, column: String)], values: [(column: String, codes: [(code: String, value: String)])])
        -> Result<ImportMapping, MappingProblems> {
        var m = ImportMapping()
        var problems: [(key: String, message: String)] = []
        let targets = Set(targets)
        var mappedTo: [String: String] = [:]
        for (header, column) in columns {
            let key = normalHeader(header)
            if key.isEmpty { problems.append((header, "an empty export header cannot be mapped")); continue }
            if key.count > 200 { problems.append((header, "an export header longer than 200 characters")); continue }
            guard column == ignore || targets.contains(column) else {
                problems.append((header, "\"\(column)\" is not a drwatch column; use one of \(Self.targets.joined(separator: ", ")) or \"ignore\""))
                continue
            }
            if m.columns[key] != nil { problems.append((header, "the export header \"\(header)\" is mapped twice")); continue }
            if column != ignore, let other = mappedTo[column] {
                problems.append((header, "\"\(header)\" and \"\(other)\" both map to \(column); map one export column to each drwatch column"))
                continue
            }
            m.columns[key] = column
            if column != ignore { mappedTo[column] = header }
        }
        for (column, codes) in values {
            guard targets.contains(column) else {
                problems.append((column, "[import.values.\(column)]: \"\(column)\" is not a drwatch column; use one of \(Self.targets.joined(separator: ", "))"))
                continue
            }
            var table: [String: String] = [:]
            for (code, value) in codes {
                let c = code.trimmingCharacters(in: .whitespaces)
                if table[c] != nil { problems.append((code, "the code \"\(code)\" is mapped twice in [import.values.\(column)]")); continue }
                if value.count > 1000 { problems.append((code, "the value for \"\(code)\" is longer than 1000 characters")); continue }
                table[c] = value
            }
            m.values[column] = table
        }
        return problems.isEmpty ? .success(m) : .failure(MappingProblems(problems: problems))
    }

    /// A header as compared: trimmed and in lower case (`Case ID` and `case id` are one header).
    public static func normalHeader(_ header: String) -> String {
        header.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The drwatch column an export header holds: its mapping, else the header itself;
    /// `ignore` when the mapping drops it.
    public func column(forHeader header: String) -> String {
        let key = Self.normalHeader(header)
        return columns[key] ?? key
    }

    /// A cell as drwatch reads it: the mapped value of its code when `[import.values]` maps the
    /// column and the (trimmed) code; else the cell as it is.
    public func value(_ cell: String, column: String) -> String {
        guard let table = values[column], !table.isEmpty else { return cell }
        return table[cell.trimmingCharacters(in: .whitespaces)] ?? cell
    }

    /// No column or value is mapped.
    public var isIdentity: Bool { columns.isEmpty && values.isEmpty }
}

/// A mapping that was refused: each problem with the config key it concerns.
public struct MappingProblems: Error, Sendable, Equatable {
    public var problems: [(key: String, message: String)]
    public static func == (a: Self, b: Self) -> Bool { a.problems.map(\.message) == b.problems.map(\.message) && a.problems.map(\.key) == b.problems.map(\.key) }
}

extension ImportColumn {
    /// The optional column that carries the export's own id of each event (`--sync`).
    public static let eventIDName = "event_id"
}
