// Module TOML: a small, strict TOML parser that remembers the line of every key.
//
// We write our own instead of using TOMLKit because every config and policy error must
// name the exact line of the offending key, and loaders must detect unknown keys.
//
// Supported (TOML 1.0, plus two TOML 1.1 relaxations noted below):
// - comments, bare / quoted / dotted keys, `[table]`, `[[array.of.tables]]`;
// - basic and literal strings, single- and multi-line, with every escape
//   (`\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`, and TOML 1.1's `\e` and `\xHH`);
// - integers (decimal with sign and `_`, `0x`, `0o`, `0b`), floats (incl. `inf`, `nan`),
//   booleans, arrays (multi-line, comments, trailing comma), inline tables;
// - offset date-times, local date-times, local dates and local times are validated and
//   returned as `.datetime(text)`: the exact text of the file (e.g. `"2026-12-29"`).
//   Callers that need a date parse that text themselves.
// - TOML 1.1 relaxations: times may omit seconds (`07:32`), and inline tables may span
//   lines and end with a trailing comma.
// Rejected with a `TOMLError` naming line and column: bad syntax, duplicate keys,
// tables defined twice, extending inline tables or values, control characters.

/// A syntax or structure error in a TOML text, at a 1-based line and column.
public struct TOMLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The 1-based line of the error.
    public var line: Int
    /// The 1-based column (in Unicode scalars) of the error.
    public var column: Int
    /// What is wrong and how to fix it.
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A TOML value. Dates and times are kept as the text written in the file.
public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// An offset date-time, local date-time, local date or local time, as written.
    case datetime(String)
    case array([TOMLNode])
    case table(TOMLTable)

    /// The type with an article, for messages: "a string", "an integer", ...
    public var typeDescription: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .datetime: "a date/time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A value and the line it was written on (for a key/value, the line of the key; for a
/// table, the line of its header or of the first dotted key that created it).
public struct TOMLNode: Equatable, Sendable {
    public var value: TOMLValue
    public var line: Int
    public init(value: TOMLValue, line: Int) {
        self.value = value
        self.line = line
    }
}

/// A table: keys in file order, each with its node.
public struct TOMLTable: Equatable, Sendable {
    /// The line of the table's header (1 for the root table).
    public var line: Int
    /// The keys in the order they first appear in the file.
    public private(set) var keys: [String] = []
    private var storage: [String: TOMLNode] = [:]

    public init(line: Int = 1) { self.line = line }

    public subscript(key: String) -> TOMLNode? { storage[key] }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Sets `key`, keeping its position if it already exists, else appending it.
    public mutating func set(_ key: String, _ node: TOMLNode) {
        if storage.updateValue(node, forKey: key) == nil { keys.append(key) }
    }
}

/// Parses a TOML document.
///
/// - Parameter text: the whole file.
/// - Returns: the root table.
/// - Throws: `TOMLError` with the line and column of the first problem.
public func parseTOML(_ text: String) throws(TOMLError) -> TOMLTable {
    if text.utf8.count > TOMLLimits.maxBytes {
        throw TOMLError(line: 0, column: 0, message: "is larger than \(TOMLLimits.maxBytes / 1_048_576) MiB; a config or policy file is a few KB, so check it is the right file")
    }
    var parser = Parser(text)
    try parser.parseDocument()
    return parser.root.build()
}

/// Bounds on what a TOML file may hold, so that a hostile or broken file is an error, never a
/// crash or minutes of work: the parser recurses once per nesting level, and every table level
/// is a node.
public enum TOMLLimits {
    /// The largest file, in bytes (1 MiB; drwatch's files are a few KB).
    public static let maxBytes = 1_048_576
    /// The deepest nesting of arrays and inline tables, and the most parts of a dotted key.
    public static let maxNesting = 32
}

// MARK: - Building

/// A table under construction, with how it was defined (for redefinition rules).
final class BTable {
    enum Origin { case root, implicit, header, dotted, inline }
    var line: Int
    var origin: Origin
    var keys: [String] = []
    var entries: [String: BEntry] = [:]
    init(line: Int, origin: Origin) {
        self.line = line
        self.origin = origin
    }
    func add(_ key: String, _ entry: BEntry) {
        keys.append(key)
        entries[key] = entry
    }
    func build() -> TOMLTable {
        var table = TOMLTable(line: line)
        for key in keys {
            switch entries[key]! {
            case .value(let node): table.set(key, node)
            case .table(let sub): table.set(key, TOMLNode(value: .table(sub.build()), line: sub.line))
            case .arrayOfTables(let array):
                let items = array.tables.map { TOMLNode(value: .table($0.build()), line: $0.line) }
                table.set(key, TOMLNode(value: .array(items), line: array.line))
            }
        }
        return table
    }
}

final class BArray {
    var line: Int
    var tables: [BTable] = []
    init(line: Int) { self.line = line }
}

enum BEntry {
    case value(TOMLNode)
    case table(BTable)
    case arrayOfTables(BArray)

    var line: Int {
        switch self {
        case .value(let n): n.line
        case .table(let t): t.line
        case .arrayOfTables(let a): a.line
        }
    }
}

// MARK: - Parser

private func isBareKeyChar(_ c: Unicode.Scalar) -> Bool {
    switch c {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
    default: false
    }
}

private func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

private func isControl(_ c: Unicode.Scalar) -> Bool {
    (c.value < 0x20 && c != "\t") || c.value == 0x7F
}

private func show(_ c: Unicode.Scalar) -> String {
    if c.value < 0x20 || c.value == 0x7F {
        return "control character U+" + String(c.value, radix: 16, uppercase: true).leftPadded(4)
    }
    return "'\(Character(c))'"
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

struct Parser {
    let s: [Unicode.Scalar]
    var i = 0
    /// Arrays and inline tables open around the cursor (bounded by `TOMLLimits.maxNesting`).
    var nesting = 0
    var line = 1
    var lineStart = 0
    let root = BTable(line: 1, origin: .root)
    var current: BTable

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        s = scalars
        current = root
    }

    // MARK: Cursor

    func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    mutating func advance() {
        if s[i] == "\n" {
            line += 1
            lineStart = i + 1
        }
        i += 1
    }

    var column: Int { i - lineStart + 1 }

    func error(_ message: String) -> TOMLError {
        TOMLError(line: line, column: column, message: message)
    }

    func error(_ message: String, line: Int, column: Int) -> TOMLError {
        TOMLError(line: line, column: column, message: message)
    }

    func isNewline(at k: Int = 0) -> Bool {
        peek(k) == "\n" || (peek(k) == "\r" && peek(k + 1) == "\n")
    }

    mutating func skipNewline() {
        if peek() == "\r" { advance() }
        advance()
    }

    mutating func skipWhitespace() {
        while let c = peek(), c == " " || c == "\t" { advance() }
    }

    mutating func skipComment() throws(TOMLError) {
        guard peek() == "#" else { return }
        while let c = peek(), c != "\n" {
            if c == "\r" && peek(1) == "\n" { break }
            if isControl(c) { throw error("\(show(c)) in a comment; remove it") }
            advance()
        }
    }

    /// Skips whitespace, comments and newlines (inside arrays and inline tables).
    mutating func skipBlank() throws(TOMLError) {
        while true {
            skipWhitespace()
            if peek() == "#" { try skipComment() }
            if isNewline() { skipNewline() } else { return }
        }
    }

    mutating func expectEndOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        guard let c = peek() else { return }
        if isNewline() { skipNewline(); return }
        if c == "\r" { throw error("carriage return without line feed; save the file with LF or CRLF line endings") }
        throw error("unexpected \(show(c)) after \(what); put each key = value on its own line, or start a comment with #")
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) {
        while true {
            skipWhitespace()
            guard let c = peek() else { return }
            if c == "#" {
                try skipComment()
                continue
            }
            if c == "\n" { advance(); continue }
            if c == "\r" {
                if peek(1) == "\n" { advance(); advance(); continue }
                throw error("carriage return without line feed; save the file with LF or CRLF line endings")
            }
            if c == "[" {
                let what = try parseHeader()
                try expectEndOfLine(after: what)
            } else {
                try parseKeyValue(into: current)
                try expectEndOfLine(after: "the value")
            }
        }
    }

    // MARK: Keys

    struct KeyPart {
        var name: String
        var line: Int
        var column: Int
    }

    mutating func parseSimpleKey() throws(TOMLError) -> KeyPart {
        let part = KeyPart(name: "", line: line, column: column)
        guard let c = peek() else { throw error("expected a key at the end of the file; complete the line as key = value") }
        if c == "\"" {
            if peek(1) == "\"" && peek(2) == "\"" { throw error("a multi-line string cannot be a key; use \"key\"") }
            return KeyPart(name: try parseBasicString(), line: part.line, column: part.column)
        }
        if c == "'" {
            if peek(1) == "'" && peek(2) == "'" { throw error("a multi-line string cannot be a key; use 'key'") }
            return KeyPart(name: try parseLiteralString(), line: part.line, column: part.column)
        }
        var name = ""
        while let c = peek(), isBareKeyChar(c) {
            name.unicodeScalars.append(c)
            advance()
        }
        if name.isEmpty {
            if c == "=" { throw error("missing key before '='; write key = value") }
            if isNewline() { throw error("expected a key before the end of the line; complete the line as key = value") }
            throw error("unexpected \(show(c)) where a key was expected; bare keys use only A-Z a-z 0-9 _ -, quote any other key")
        }
        return KeyPart(name: name, line: part.line, column: part.column)
    }

    mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts = [try parseSimpleKey()]
        while true {
            skipWhitespace()
            guard peek() == "." else { return parts }
            if parts.count >= TOMLLimits.maxNesting {
                throw error("a dotted key has more than \(TOMLLimits.maxNesting) parts; use fewer levels of tables")
            }
            advance()
            skipWhitespace()
            parts.append(try parseSimpleKey())
        }
    }

    static func render(_ parts: [KeyPart]) -> String {
        parts.map { part in
            part.name.unicodeScalars.allSatisfy(isBareKeyChar) && !part.name.isEmpty ? part.name : "\"\(part.name)\""
        }.joined(separator: ".")
    }

    // MARK: Headers

    /// Parses `[a.b]` or `[[a.b]]`; returns its text for messages.
    mutating func parseHeader() throws(TOMLError) -> String {
        let headerLine = line, headerColumn = column
        advance()
        let isArray = peek() == "["
        if isArray { advance() }
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        let open = isArray ? "[[" : "[", close = isArray ? "]]" : "]"
        let name = Parser.render(path)
        guard peek() == "]" else { throw error("expected '\(close)' to close the header \(open)\(name); write it as \(open)\(name)\(close) on one line") }
        advance()
        if isArray {
            guard peek() == "]" else { throw error("expected ']]' to close the header [[\(name)]]; write it as [[\(name)]]") }
            advance()
        }
        let text = "\(open)\(name)\(close)"
        func fail(_ message: String) -> TOMLError {
            TOMLError(line: headerLine, column: headerColumn, message: message)
        }

        var table = root
        for (index, part) in path.dropLast().enumerated() {
            // Rendered only for an error: rendering every prefix is quadratic in the key's length.
            var prefix: String { Parser.render(Array(path[...index])) }
            if let entry = table.entries[part.name] {
                switch entry {
                case .table(let sub): table = sub
                case .arrayOfTables(let array): table = array.tables[array.tables.count - 1]
                case .value(let node):
                    throw fail("\(text) extends \"\(prefix)\", which is already \(node.value.typeDescription) set at line \(node.line); a value (or inline table) cannot be extended, so move its keys under the header")
                }
            } else {
                let sub = BTable(line: headerLine, origin: .implicit)
                table.add(part.name, .table(sub))
                table = sub
            }
        }
        let last = path[path.count - 1].name
        let existing = table.entries[last]
        if isArray {
            switch existing {
            case nil:
                let array = BArray(line: headerLine)
                table.add(last, .arrayOfTables(array))
                current = BTable(line: headerLine, origin: .header)
                array.tables.append(current)
            case .arrayOfTables(let array):
                current = BTable(line: headerLine, origin: .header)
                array.tables.append(current)
            case .table(let sub):
                throw fail("\(text) conflicts with the table [\(name)] defined at line \(sub.line); use either [\(name)] or [[\(name)]], not both")
            case .value(let node):
                throw fail("\(text) conflicts with \"\(name)\", already \(node.value.typeDescription) set at line \(node.line); use one form only")
            }
        } else {
            switch existing {
            case nil:
                current = BTable(line: headerLine, origin: .header)
                table.add(last, .table(current))
            case .table(let sub):
                switch sub.origin {
                case .header, .root:
                    throw fail("table [\(name)] is defined twice (first at line \(sub.line)); merge the two sections into one")
                case .dotted:
                    throw fail("table [\(name)] was already defined by dotted keys at line \(sub.line); move those keys under this header, or drop the header")
                case .inline:
                    throw fail("table [\(name)] was already defined as an inline table at line \(sub.line); use one form only")
                case .implicit:
                    sub.origin = .header
                    sub.line = headerLine
                    current = sub
                }
            case .arrayOfTables(let array):
                throw fail("\(text) conflicts with the array of tables [[\(name)]] at line \(array.line); use [[\(name)]] for every entry")
            case .value(let node):
                throw fail("\(text) conflicts with \"\(name)\", already \(node.value.typeDescription) set at line \(node.line); use one form only")
            }
        }
        return "the header \(text)"
    }

    // MARK: Key/value

    mutating func parseKeyValue(into target: BTable) throws(TOMLError) {
        let path = try parseKey()
        let name = Parser.render(path)
        skipWhitespace()
        guard peek() == "=" else {
            if peek() == nil || isNewline() || peek() == "#" {
                throw error("expected '=' after the key \"\(name)\"; write \(name) = value")
            }
            throw error("expected '=' after the key \"\(name)\", found \(show(peek()!)); quote keys containing spaces or other characters")
        }
        advance()
        skipWhitespace()
        let value = try parseValue(for: name)
        let keyLine = path[0].line
        var table = target
        for (index, part) in path.dropLast().enumerated() {
            var prefix: String { Parser.render(Array(path[...index])) }
            if let entry = table.entries[part.name] {
                switch entry {
                case .table(let sub) where sub.origin == .dotted || (sub.origin == .inline && target.origin == .inline):
                    table = sub
                case .table(let sub):
                    throw error("the dotted key \"\(name)\" adds to the table \"\(prefix)\" defined at line \(sub.line); put this key under that table's header instead",
                                line: part.line, column: part.column)
                case .arrayOfTables(let array):
                    throw error("the dotted key \"\(name)\" goes into the array of tables [[\(prefix)]] defined at line \(array.line); put this key under a [[\(prefix)]] header instead",
                                line: part.line, column: part.column)
                case .value(let node):
                    throw error("\"\(prefix)\" is already \(node.value.typeDescription) set at line \(node.line), so \"\(name)\" cannot add to it; rename one of them",
                                line: part.line, column: part.column)
                }
            } else {
                let sub = BTable(line: keyLine, origin: target.origin == .inline ? .inline : .dotted)
                table.add(part.name, .table(sub))
                table = sub
            }
        }
        let last = path[path.count - 1]
        if let entry = table.entries[last.name] {
            throw error("duplicate key \"\(name)\" (first defined at line \(entry.line)); remove one of them",
                        line: last.line, column: last.column)
        }
        table.add(last.name, .value(TOMLNode(value: value, line: keyLine)))
    }

    // MARK: Values

    mutating func parseValue(for key: String) throws(TOMLError) -> TOMLValue {
        guard let c = peek() else { throw error("missing value for \"\(key)\" at the end of the file; write \(key) = value") }
        switch c {
        case "\"":
            if peek(1) == "\"" && peek(2) == "\"" { return .string(try parseMultilineBasicString()) }
            return .string(try parseBasicString())
        case "'":
            if peek(1) == "'" && peek(2) == "'" { return .string(try parseMultilineLiteralString()) }
            return .string(try parseLiteralString())
        case "[":
            return try parseArray(for: key)
        case "{":
            return try parseInlineTable(for: key)
        case "\n", "\r", "#":
            throw error("missing value for \"\(key)\"; write \(key) = value (strings in double quotes)")
        default:
            return try parseScalarToken(for: key)
        }
    }

    mutating func parseArray(for key: String) throws(TOMLError) -> TOMLValue {
        let startLine = line
        try enterNesting(for: key)
        defer { nesting -= 1 }
        advance()
        var items: [TOMLNode] = []
        while true {
            try skipBlank()
            if peek() == "]" { advance(); break }
            if peek() == "," { throw error("unexpected ',' in the array of \"\(key)\"; remove the extra comma") }
            if peek() == nil { throw error("unterminated array for \"\(key)\" (opened at line \(startLine)); close it with ]") }
            let itemLine = line
            let value = try parseValue(for: key)
            items.append(TOMLNode(value: value, line: itemLine))
            try skipBlank()
            if peek() == "," { advance(); continue }
            if peek() == "]" { advance(); break }
            if peek() == nil { throw error("unterminated array for \"\(key)\" (opened at line \(startLine)); close it with ]") }
            throw error("expected ',' or ']' in the array of \"\(key)\", found \(show(peek()!)); separate items with commas")
        }
        return .array(items)
    }

    mutating func parseInlineTable(for key: String) throws(TOMLError) -> TOMLValue {
        let startLine = line
        try enterNesting(for: key)
        defer { nesting -= 1 }
        advance()
        let table = BTable(line: startLine, origin: .inline)
        while true {
            try skipBlank()
            if peek() == "}" { advance(); break }
            if peek() == nil { throw error("unterminated inline table for \"\(key)\" (opened at line \(startLine)); close it with }") }
            if peek() == "," { throw error("unexpected ',' in the inline table of \"\(key)\"; remove the extra comma") }
            try parseKeyValue(into: table)
            try skipBlank()
            if peek() == "," { advance(); continue }
            if peek() == "}" { advance(); break }
            if peek() == nil { throw error("unterminated inline table for \"\(key)\" (opened at line \(startLine)); close it with }") }
            throw error("expected ',' or '}' in the inline table of \"\(key)\", found \(show(peek()!)); separate entries with commas")
        }
        return .table(table.build())
    }

    /// Counts one more open array or inline table; refuses more than `TOMLLimits.maxNesting`
    /// (the parser recurses per level, so an unbounded depth would overflow the stack).
    mutating func enterNesting(for key: String) throws(TOMLError) {
        guard nesting < TOMLLimits.maxNesting else {
            throw error("arrays and inline tables nested more than \(TOMLLimits.maxNesting) deep in \"\(key)\"; flatten the value")
        }
        nesting += 1
    }

    // MARK: Strings

    mutating func parseBasicString() throws(TOMLError) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !isNewline() else {
                throw error("unterminated string; close it with \" on the same line, or use \"\"\" for a multi-line string")
            }
            if c == "\"" { advance(); return String(out) }
            if c == "\\" {
                out.append(try parseEscape())
                continue
            }
            if isControl(c) { throw error("\(show(c)) in a string; write it as an escape such as \\t or \\u0001") }
            out.append(c)
            advance()
        }
    }

    mutating func parseEscape() throws(TOMLError) -> Unicode.Scalar {
        let escLine = line, escColumn = column
        advance()
        guard let c = peek() else { throw error("unterminated escape at the end of the file; close the string") }
        advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U", "x":
            let width = c == "u" ? 4 : c == "U" ? 8 : 2
            var hex = ""
            for _ in 0..<width {
                guard let h = peek(), h.properties.isASCIIHexDigit else {
                    throw error("\\\(c) needs \(width) hexadecimal digits; write e.g. \\\(c)\(String(repeating: "0", count: width - 2))e9",
                                line: escLine, column: escColumn)
                }
                hex.unicodeScalars.append(h)
                advance()
            }
            guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                throw error("\\\(c)\(hex) is not a Unicode scalar value (surrogates and values above 10FFFF are not allowed)",
                            line: escLine, column: escColumn)
            }
            return scalar
        default:
            throw error("invalid escape \\\(Character(c)); use \\\\ for a backslash, or a literal 'string' where backslashes are plain",
                        line: escLine, column: escColumn)
        }
    }

    /// At a run of `quote` inside a multi-line string: three to five close the string (those
    /// beyond three belong to it), fewer are content. Consumes the run.
    ///
    /// - Returns: whether the string is closed.
    mutating func quoteRunCloses(_ quote: Unicode.Scalar, into out: inout String.UnicodeScalarView,
                                 tooMany: String) throws(TOMLError) -> Bool {
        var n = 0
        while peek(n) == quote { n += 1 }
        if n > 5 { throw error(tooMany) }
        for _ in 0..<(n >= 3 ? n - 3 : n) { out.append(quote) }
        for _ in 0..<n { advance() }
        return n >= 3
    }

    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let startLine = line
        advance(); advance(); advance()
        if isNewline() { skipNewline() }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string (opened at line \(startLine)); close it with \"\"\"")
            }
            if c == "\"" {
                if try quoteRunCloses("\"", into: &out,
                                      tooMany: "too many quotes at the end of a multi-line string; escape them as \\\"") {
                    return String(out)
                }
                continue
            }
            if c == "\\" {
                // A line-ending backslash trims the newline and the whitespace after it.
                var k = 1
                while peek(k) == " " || peek(k) == "\t" { k += 1 }
                if isNewline(at: k) {
                    for _ in 0..<k { advance() }
                    while let w = peek(), w == " " || w == "\t" || isNewline() {
                        if w == " " || w == "\t" { advance() } else { skipNewline() }
                    }
                    continue
                }
                out.append(try parseEscape())
                continue
            }
            if isNewline() {
                skipNewline()
                out.append("\n")
                continue
            }
            if isControl(c) { throw error("\(show(c)) in a string; write it as an escape such as \\t or \\u0001") }
            out.append(c)
            advance()
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek(), !isNewline() else {
                throw error("unterminated literal string; close it with ' on the same line, or use ''' for a multi-line string")
            }
            if c == "'" { advance(); return String(out) }
            if isControl(c) { throw error("\(show(c)) in a literal string; use a \"basic string\" with an escape") }
            out.append(c)
            advance()
        }
    }

    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let startLine = line
        advance(); advance(); advance()
        if isNewline() { skipNewline() }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line literal string (opened at line \(startLine)); close it with '''")
            }
            if c == "'" {
                if try quoteRunCloses("'", into: &out,
                                      tooMany: "too many quotes at the end of a multi-line literal string; use a basic string instead") {
                    return String(out)
                }
                continue
            }
            if isNewline() {
                skipNewline()
                out.append("\n")
                continue
            }
            if isControl(c) { throw error("\(show(c)) in a literal string; use a \"basic string\" with an escape") }
            out.append(c)
            advance()
        }
    }

    // MARK: Numbers, booleans, dates

    mutating func parseScalarToken(for key: String) throws(TOMLError) -> TOMLValue {
        let startColumn = column, startLine = line
        var token = ""
        func scan(_ p: inout Parser, into token: inout String) {
            while let c = p.peek() {
                switch c {
                case "A"..."Z", "a"..."z", "0"..."9", "_", "+", "-", ".", ":":
                    token.unicodeScalars.append(c)
                    p.advance()
                default: return
                }
            }
        }
        scan(&self, into: &token)
        // A date-time may separate date and time with a space: "1979-05-27 07:32:00".
        if Parser.isDate(Array(token.unicodeScalars)), peek() == " ",
           let a = peek(1), let b = peek(2), isDigit(a), isDigit(b), peek(3) == ":" {
            token.unicodeScalars.append(" ")
            advance()
            scan(&self, into: &token)
        }
        func fail(_ message: String) -> TOMLError {
            TOMLError(line: startLine, column: startColumn, message: message)
        }
        if token.isEmpty {
            throw fail("unexpected \(show(peek()!)) where the value of \"\(key)\" was expected; strings need double quotes")
        }
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let chars = Array(token.unicodeScalars)
        let first = chars[0]
        guard isDigit(first) || ((first == "+" || first == "-") && chars.count > 1 && isDigit(chars[1])) else {
            throw fail("\(token) is not a valid value for \"\(key)\"; put text in double quotes: \(key) = \"\(token)\"")
        }
        if token.contains(":") || Parser.isDate(chars) {
            guard Parser.isValidDateTime(chars) else {
                throw fail("\(token) is not a valid date or time for \"\(key)\"; write a date as 2026-12-29, a time as 17:00:00, or quote it as a string")
            }
            return .datetime(token)
        }
        if let value = Parser.integer(chars) { return .integer(value) }
        if let value = Parser.float(chars) { return .float(value) }
        if Parser.integerShape(chars) {
            throw fail("\(token) is too large for an integer (\(Int.min) to \(Int.max)); use a smaller number")
        }
        throw fail("\(token) is not a valid number for \"\(key)\"; write e.g. 60, -3, 1_000, 0x1F or 2.5 (no leading zeros; _ only between digits); quote it if it is text")
    }

    /// `digits` with single underscores between digits.
    static func digitGroup(_ c: ArraySlice<Unicode.Scalar>, hex: Bool = false, octal: Bool = false, binary: Bool = false) -> String? {
        guard let first = c.first, let last = c.last, first != "_", last != "_" else { return nil }
        var out = ""
        var previousUnderscore = false
        for ch in c {
            if ch == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            let ok = hex ? ch.properties.isASCIIHexDigit : octal ? ("0"..."7").contains(ch) : binary ? (ch == "0" || ch == "1") : isDigit(ch)
            guard ok else { return nil }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    static func integerShape(_ c: [Unicode.Scalar]) -> Bool {
        var body = c[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard let digits = digitGroup(body) else { return false }
        return !(digits.count > 1 && digits.hasPrefix("0"))
    }

    static func integer(_ c: [Unicode.Scalar]) -> Int? {
        if c.count > 2, c[0] == "0", c[1] == "x" || c[1] == "o" || c[1] == "b" {
            let body = c[2...]
            let radix = c[1] == "x" ? 16 : c[1] == "o" ? 8 : 2
            guard let digits = digitGroup(body, hex: radix == 16, octal: radix == 8, binary: radix == 2) else { return nil }
            return Int(digits, radix: radix)
        }
        var body = c[...]
        var sign = ""
        if body.first == "+" || body.first == "-" {
            sign = body.first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let digits = digitGroup(body) else { return nil }
        if digits.count > 1 && digits.hasPrefix("0") { return nil }
        return Int(sign + digits)
    }

    static func float(_ c: [Unicode.Scalar]) -> Double? {
        var body = c[...]
        var text = ""
        if body.first == "+" || body.first == "-" {
            if body.first == "-" { text = "-" }
            body = body.dropFirst()
        }
        var mantissa = body, exponent: ArraySlice<Unicode.Scalar>? = nil
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[(e + 1)...]
        }
        var intPart = mantissa, fracPart: ArraySlice<Unicode.Scalar>? = nil
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[(dot + 1)...]
        }
        guard fracPart != nil || exponent != nil else { return nil }
        guard let intDigits = digitGroup(intPart), !(intDigits.count > 1 && intDigits.hasPrefix("0")) else { return nil }
        text += intDigits
        if let fracPart {
            guard let frac = digitGroup(fracPart) else { return nil }
            text += "." + frac
        }
        if var exponent {
            var expSign = ""
            if exponent.first == "+" || exponent.first == "-" {
                expSign = exponent.first == "-" ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard let exp = digitGroup(exponent) else { return nil }
            text += "e" + expSign + exp
        }
        return Double(text)
    }

    static func number(_ c: ArraySlice<Unicode.Scalar>, digits: Int) -> Int? {
        guard c.count == digits, c.allSatisfy(isDigit) else { return nil }
        return Int(String(String.UnicodeScalarView(c)))
    }

    /// Starts with `YYYY-MM-DD` (not validated).
    static func isDate(_ c: [Unicode.Scalar]) -> Bool {
        c.count >= 10 && c[4] == "-" && c[7] == "-" && number(c[0..<4], digits: 4) != nil
            && number(c[5..<7], digits: 2) != nil && number(c[8..<10], digits: 2) != nil
    }

    static func isValidDateTime(_ c: [Unicode.Scalar]) -> Bool {
        var rest = c[...]
        if isDate(c) {
            let year = number(c[0..<4], digits: 4)!, month = number(c[5..<7], digits: 2)!, day = number(c[8..<10], digits: 2)!
            guard (1...12).contains(month) else { return false }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            guard (1...days).contains(day) else { return false }
            rest = c[10...]
            if rest.isEmpty { return true }
            guard let sep = rest.first, sep == "T" || sep == "t" || sep == " " else { return false }
            rest = rest.dropFirst()
            guard time(&rest) else { return false }
            if rest.isEmpty { return true }
            if rest.count == 1 && (rest.first == "Z" || rest.first == "z") { return true }
            guard rest.count == 6, rest.first == "+" || rest.first == "-",
                  let h = number(rest.dropFirst().prefix(2), digits: 2), rest[rest.startIndex + 3] == ":",
                  let m = number(rest.suffix(2), digits: 2), h < 24, m < 60 else { return false }
            return true
        }
        guard time(&rest) else { return false }
        return rest.isEmpty
    }

    /// Consumes `HH:MM[:SS[.frac]]` from the front of `c`.
    static func time(_ c: inout ArraySlice<Unicode.Scalar>) -> Bool {
        guard c.count >= 5, let h = number(c.prefix(2), digits: 2), c[c.startIndex + 2] == ":",
              let m = number(c.dropFirst(3).prefix(2), digits: 2), h < 24, m < 60 else { return false }
        c = c.dropFirst(5)
        if c.first == ":" {
            guard let s = number(c.dropFirst().prefix(2), digits: 2), s <= 60 else { return false }
            c = c.dropFirst(3)
            if c.first == "." {
                c = c.dropFirst()
                let digits = c.prefix(while: isDigit)
                guard !digits.isEmpty else { return false }
                c = c.dropFirst(digits.count)
            }
        }
        return true
    }
}
