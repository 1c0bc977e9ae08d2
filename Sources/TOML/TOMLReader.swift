// A strict reader over a parsed TOML table, so that loaders stay short and their errors
// uniform: every error reads `FILE:LINE: what is wrong; how to fix it`.

/// An error in a config or policy file, at a line of that file.
///
/// Its description is `FILE:LINE: message` (or `FILE: message` when `line` is 0). Messages
/// never quote values that could be secrets: only key names, types, and values that a
/// loader chose to show.
public struct ConfigFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the user knows it (e.g. `policies/four-stage.toml`).
    public var file: String
    /// The 1-based line, or 0 when the error concerns the whole file.
    public var line: Int
    /// What is wrong; how to fix it.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// A TOML syntax error in `file`.
    public init(file: String, _ error: TOMLError) {
        self.init(file: file, line: error.line, message: error.message)
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Parses a TOML document, reporting syntax errors as `ConfigFileError`s of `file`.
public func parseTOML(_ text: String, file: String) throws(ConfigFileError) -> TOMLTable {
    do {
        return try parseTOML(text)
    } catch {
        throw ConfigFileError(file: file, error)
    }
}

/// Reads the keys of one table strictly: each accessor checks the type and marks the key
/// as known; `finish()` then reports any key nobody asked for.
///
/// ```swift
/// let root = TOMLReader(try parseTOML(text, file: "drwatch.toml"), file: "drwatch.toml")
/// let database = try root.requiredString("database")
/// if let email = try root.optionalTable("email") { let url = try email.requiredString("url") }
/// try root.finish()   // also finishes every table read through it
/// ```
public final class TOMLReader {
    /// The table being read.
    public let table: TOMLTable
    /// The file name used in errors.
    public let file: String
    /// The table's name in messages: `""` for the root, `[email]`, `[[webhook]]`.
    public let context: String

    private var consumed: Set<String> = []
    private var asked: [String] = []
    private var children: [TOMLReader] = []
    private var finished = false

    /// - Parameters:
    ///   - table: the table to read.
    ///   - file: the file name used in errors.
    ///   - context: how messages name the table (`[email]`); empty for the root.
    public init(_ table: TOMLTable, file: String, context: String = "") {
        self.table = table
        self.file = file
        self.context = context
    }

    /// The line of the table's header (1 for the root).
    public var line: Int { table.line }
    /// All keys of the table, in file order.
    public var keys: [String] { table.keys }

    /// Whether `key` is present (does not mark it as read).
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The line of `key`, or of the table when the key is absent.
    public func line(of key: String) -> Int { table[key]?.line ?? table.line }

    /// An error at the line of `key` (or of the table when absent or `nil`).
    public func error(_ message: String, at key: String? = nil) -> ConfigFileError {
        ConfigFileError(file: file, line: key.map(line(of:)) ?? table.line, message: message)
    }

    /// An error at a given line of this file.
    public func error(_ message: String, line: Int) -> ConfigFileError {
        ConfigFileError(file: file, line: line, message: message)
    }

    /// `"key"` or `"key" in [email]`, for messages.
    public func name(_ key: String) -> String {
        context.isEmpty ? "\"\(key)\"" : "\"\(key)\" in \(context)"
    }

    /// Marks `key` as known without reading it.
    public func ignore(_ key: String) { _ = node(key) }

    /// Reads `key` and marks it as known.
    public func node(_ key: String) -> TOMLNode? {
        if consumed.insert(key).inserted { asked.append(key) }
        return table[key]
    }

    // MARK: Scalars

    public func optionalString(_ key: String) throws(ConfigFileError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let s) = node.value else { throw wrongType(key, node, "a string", example: "\(key) = \"...\"") }
        return s
    }

    public func requiredString(_ key: String) throws(ConfigFileError) -> String {
        guard let s = try optionalString(key) else { throw missing(key, example: "\(key) = \"...\"") }
        return s
    }

    /// An integer, optionally within `range`.
    public func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigFileError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .integer(let n) = node.value else { throw wrongType(key, node, "an integer", example: "\(key) = 10") }
        if let range, !range.contains(n) {
            throw error("\(name(key)) is \(n), out of range; use a value from \(range.lowerBound) to \(range.upperBound)", at: key)
        }
        return n
    }

    public func requiredInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigFileError) -> Int {
        guard let n = try optionalInt(key, in: range) else { throw missing(key, example: "\(key) = 10") }
        return n
    }

    /// A float; an integer is accepted too.
    public func optionalDouble(_ key: String) throws(ConfigFileError) -> Double? {
        guard let node = node(key) else { return nil }
        switch node.value {
        case .float(let d): return d
        case .integer(let n): return Double(n)
        default: throw wrongType(key, node, "a number", example: "\(key) = 1.5")
        }
    }

    public func optionalBool(_ key: String) throws(ConfigFileError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .boolean(let b) = node.value else { throw wrongType(key, node, "true or false", example: "\(key) = true") }
        return b
    }

    public func requiredBool(_ key: String) throws(ConfigFileError) -> Bool {
        guard let b = try optionalBool(key) else { throw missing(key, example: "\(key) = true") }
        return b
    }

    /// A string that must be the raw value of one case of `E`.
    public func optionalEnum<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ConfigFileError) -> E?
    where E.RawValue == String {
        guard let text = try optionalString(key) else { return nil }
        guard let value = E(rawValue: text) else {
            let options = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw error("\(name(key)) is \"\(text)\", which is not known; use one of \(options)", at: key)
        }
        return value
    }

    public func requiredEnum<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ConfigFileError) -> E
    where E.RawValue == String {
        guard let value = try optionalEnum(key, type) else {
            throw missing(key, example: "\(key) = \"\(E.allCases.first.map { $0.rawValue } ?? "...")\"")
        }
        return value
    }

    // MARK: Arrays

    /// An array of strings, each with its line.
    public func optionalStringList(_ key: String) throws(ConfigFileError) -> [(value: String, line: Int)]? {
        guard let node = node(key) else { return nil }
        guard case .array(let items) = node.value else {
            throw wrongType(key, node, "an array of strings", example: "\(key) = [\"a\", \"b\"]")
        }
        var out: [(value: String, line: Int)] = []
        for (index, item) in items.enumerated() {
            guard case .string(let s) = item.value else {
                throw error("item \(index + 1) of \(name(key)) is \(item.value.typeDescription), but must be a string; put it in double quotes",
                            line: item.line)
            }
            out.append((s, item.line))
        }
        return out
    }

    public func optionalStringArray(_ key: String) throws(ConfigFileError) -> [String]? {
        try optionalStringList(key)?.map(\.value)
    }

    public func requiredStringArray(_ key: String) throws(ConfigFileError) -> [String] {
        guard let list = try optionalStringArray(key) else { throw missing(key, example: "\(key) = [\"a\", \"b\"]") }
        return list
    }

    /// An array of local dates written bare (`2026-12-29`) or quoted (`"2026-12-29"`),
    /// returned as their text with lines; the caller validates the dates.
    public func optionalDateTextList(_ key: String) throws(ConfigFileError) -> [(value: String, line: Int)]? {
        guard let node = node(key) else { return nil }
        guard case .array(let items) = node.value else {
            throw wrongType(key, node, "an array of dates", example: "\(key) = [\"2026-12-29\"]")
        }
        var out: [(value: String, line: Int)] = []
        for (index, item) in items.enumerated() {
            switch item.value {
            case .string(let s), .datetime(let s): out.append((s, item.line))
            default:
                throw error("item \(index + 1) of \(name(key)) is \(item.value.typeDescription), but must be a date; write it as \"2026-12-29\"",
                            line: item.line)
            }
        }
        return out
    }

    // MARK: Tables

    /// The sub-table `key`, read strictly; `nil` when absent.
    public func optionalTable(_ key: String) throws(ConfigFileError) -> TOMLReader? {
        guard let node = node(key) else { return nil }
        guard case .table(let sub) = node.value else {
            throw wrongType(key, node, "a table", example: "[\(qualified(key))]")
        }
        let child = TOMLReader(sub, file: file, context: "[\(qualified(key))]")
        children.append(child)
        return child
    }

    /// The sub-table `key`, which must be present.
    public func table(_ key: String) throws(ConfigFileError) -> TOMLReader {
        guard let t = try optionalTable(key) else {
            throw missing(key, example: "a [\(qualified(key))] section")
        }
        return t
    }

    /// The entries of an array of tables (`[[key]]`); empty when absent.
    public func arrayOfTables(_ key: String) throws(ConfigFileError) -> [TOMLReader] {
        guard let node = node(key) else { return [] }
        guard case .array(let items) = node.value else {
            throw wrongType(key, node, "an array of tables", example: "[[\(qualified(key))]]")
        }
        var out: [TOMLReader] = []
        for item in items {
            guard case .table(let sub) = item.value else {
                throw error("\(name(key)) must be an array of tables; write each entry as a [[\(qualified(key))]] section",
                            line: item.line)
            }
            let child = TOMLReader(sub, file: file, context: "[[\(qualified(key))]] (line \(sub.line))")
            children.append(child)
            out.append(child)
        }
        return out
    }

    // MARK: Finishing

    /// Throws for the first key (in file order) that no accessor asked for, then does the
    /// same for every table read through this reader.
    public func finish() throws(ConfigFileError) {
        guard !finished else { return }
        finished = true
        for key in table.keys where !consumed.contains(key) {
            let where_ = context.isEmpty ? "" : " in \(context)"
            var hint = "remove it or fix its spelling"
            if let guess = closest(to: key, in: asked) {
                hint += " (did you mean \"\(guess)\"?)"
            } else if !asked.isEmpty {
                hint += " (known keys: \(asked.joined(separator: ", ")))"
            }
            throw error("unknown key \"\(key)\"\(where_) at line \(line(of: key)); \(hint)", at: key)
        }
        for child in children { try child.finish() }
    }

    // MARK: Private

    private func qualified(_ key: String) -> String {
        // "[email]" -> "email.key"; "[[webhook]] (line 3)" -> "webhook.key"; root -> "key".
        var base = context
        if let space = base.firstIndex(of: " ") { base = String(base[..<space]) }
        base = base.trimmingBrackets()
        return base.isEmpty ? key : "\(base).\(key)"
    }

    private func missing(_ key: String, example: String) -> ConfigFileError {
        let section = context.isEmpty ? "" : " to \(context)"
        return error("missing required key \(name(key)); add \(example)\(section)")
    }

    private func wrongType(_ key: String, _ node: TOMLNode, _ expected: String, example: String) -> ConfigFileError {
        error("\(name(key)) must be \(expected), not \(node.value.typeDescription); write \(example)", line: node.line)
    }
}

extension String {
    fileprivate func trimmingBrackets() -> String {
        var s = Substring(self)
        while s.first == "[" { s = s.dropFirst() }
        while s.last == "]" { s = s.dropLast() }
        return String(s)
    }
}

/// The candidate within edit distance 2 (or 1 for short keys) of `key`, if any.
func closest(to key: String, in candidates: [String]) -> String? {
    let limit = key.count <= 4 ? 1 : 2
    var best: (String, Int)? = nil
    for c in candidates {
        let d = editDistance(key, c)
        if d <= limit, d < (best?.1 ?? .max) { best = (c, d) }
    }
    return best?.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var row = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
            row[j] = Swift.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &row)
    }
    return previous[b.count]
}
