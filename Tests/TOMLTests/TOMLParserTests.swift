import Testing
@testable import TOML

/// Parses `text` and returns the value of `key` in the root table.
private func value(_ text: String, _ key: String = "k") throws -> TOMLValue? {
    try parseTOML(text)[key]?.value
}

private func strings(_ nodes: [TOMLNode]) -> [String] {
    nodes.compactMap { if case .string(let s) = $0.value { s } else { nil } }
}

@Suite("TOML parser")
struct TOMLParserTests {
    static let scalars: [(String, TOMLValue)] = [
        (#"k = "plain""#, .string("plain")),
        (#"k = "tab\tquote\" back\\ nl\n""#, .string("tab\tquote\" back\\ nl\n")),
        (#"k = "\u00e9\U0001F600 \b\f\r\e\x41""#, .string("é😀 \u{08}\u{0C}\r\u{1B}A")),
        (#"k = 'C:\Users\no escapes'"#, .string(#"C:\Users\no escapes"#)),
        ("k = \"\"\"\nfirst\nsecond\"\"\"", .string("first\nsecond")),
        ("k = \"\"\"\r\nwin\r\nlines\"\"\"", .string("win\nlines")),
        ("k = \"\"\"one \\\n    two \\\n\n   three\"\"\"", .string("one two three")),
        ("k = \"\"\"quote \"\" inside\"\"\"\"\"", .string("quote \"\" inside\"\"")),
        ("k = '''\nraw \\n\n'''", .string("raw \\n\n")),
        ("k = ''''quoted''''", .string("'quoted'")),
        ("k = \"\"", .string("")),
        ("k = 42", .integer(42)),
        ("k = +17", .integer(17)),
        ("k = -3", .integer(-3)),
        ("k = 0", .integer(0)),
        ("k = 1_000_000", .integer(1_000_000)),
        ("k = 0xDEAD_beef", .integer(0xDEAD_BEEF)),
        ("k = 0o755", .integer(0o755)),
        ("k = 0b1101", .integer(13)),
        ("k = 9223372036854775807", .integer(Int.max)),
        ("k = -9223372036854775808", .integer(Int.min)),
        ("k = 3.25", .float(3.25)),
        ("k = -0.5", .float(-0.5)),
        ("k = 5e+22", .float(5e22)),
        ("k = 6.626e-34", .float(6.626e-34)),
        ("k = 1_000.000_1", .float(1000.0001)),
        ("k = -inf", .float(-.infinity)),
        ("k = true", .boolean(true)),
        ("k = false", .boolean(false)),
        ("k = 1979-05-27T07:32:00Z", .datetime("1979-05-27T07:32:00Z")),
        ("k = 1979-05-27T00:32:00.999999-07:00", .datetime("1979-05-27T00:32:00.999999-07:00")),
        ("k = 1979-05-27 07:32:00", .datetime("1979-05-27 07:32:00")),
        ("k = 2024-02-29", .datetime("2024-02-29")),
        ("k = 07:32:00", .datetime("07:32:00")),
        ("k = 17:00", .datetime("17:00")),
        ("k = 00:32:00.5", .datetime("00:32:00.5")),
        ("\u{FEFF}k = 1", .integer(1)),
        ("k = 1 # comment", .integer(1)),
        ("k=1", .integer(1)),
        ("\"k\" = 1", .integer(1)),
        ("'k' = 1", .integer(1)),
    ]

    @Test("scalar values parse to the right value", arguments: scalars)
    func scalar(text: String, expected: TOMLValue) throws {
        #expect(try value(text) == expected)
    }

    @Test func nanParsesAsNaN() throws {
        guard case .float(let d) = try value("k = nan") else { Issue.record("not a float"); return }
        #expect(d.isNaN)
    }

    @Test func keysKeepFileOrderAndLines() throws {
        let t = try parseTOML("""
            # header comment
            zeta = 1

            alpha = "a"   # trailing
            "quoted key" = true
            middle = 2
            """)
        #expect(t.keys == ["zeta", "alpha", "quoted key", "middle"])
        #expect(t["zeta"]?.line == 2)
        #expect(t["alpha"]?.line == 4)
        #expect(t["quoted key"]?.line == 5)
        #expect(t["middle"]?.line == 6)
        #expect(t["missing"] == nil)
    }

    @Test func dottedKeysCreateNestedTables() throws {
        let t = try parseTOML("""
            site."google.com" = true
            a.b.c = 1
            a.b.d = 2
            a . e = 3
            """)
        guard case .table(let site) = t["site"]?.value, case .table(let a) = t["a"]?.value,
              case .table(let b) = a["b"]?.value else { Issue.record("missing tables"); return }
        #expect(site["google.com"]?.value == .boolean(true))
        #expect(b.keys == ["c", "d"])
        #expect(b["d"]?.line == 3)
        #expect(a["e"]?.value == .integer(3))
    }

    @Test func tablesAndArraysOfTables() throws {
        let t = try parseTOML("""
            top = 1

            [email]
            url = "smtp://x"

            [a.b.c]
            deep = true

            [a]
            shallow = 1

            [[webhook]]
            name = "one"

            [[webhook]]
            name = "two"
            [webhook.extra]
            x = 1

            [[fruit.variety]]
            name = "red"
            """)
        #expect(t.keys == ["top", "email", "a", "webhook", "fruit"])
        guard case .table(let email) = t["email"]?.value else { Issue.record("no email"); return }
        #expect(email.line == 3)
        #expect(email["url"]?.line == 4)
        guard case .table(let a) = t["a"]?.value else { Issue.record("no a"); return }
        #expect(a.keys == ["b", "shallow"])
        #expect(a.line == 9)
        guard case .array(let hooks) = t["webhook"]?.value else { Issue.record("no webhook"); return }
        #expect(hooks.count == 2)
        #expect(hooks.map(\.line) == [12, 15])
        guard case .table(let second) = hooks[1].value, case .table(let extra) = second["extra"]?.value else {
            Issue.record("no extra"); return
        }
        #expect(extra["x"]?.value == .integer(1))
        #expect(extra.line == 17)
    }

    @Test func headersMayDefineSubTablesOfDottedTables() throws {
        let t = try parseTOML("""
            [fruit]
            apple.color = "red"
            [fruit.apple.texture]
            smooth = true
            """)
        guard case .table(let fruit) = t["fruit"]?.value, case .table(let apple) = fruit["apple"]?.value else {
            Issue.record("missing"); return
        }
        #expect(apple.keys == ["color", "texture"])
    }

    @Test func arraysAndInlineTables() throws {
        let t = try parseTOML("""
            list = [
              "a",   # first
              'b',
              # a comment line
              "c",
            ]
            nested = [[1, 2], ["x"], []]
            point = { x = 1, y.z = 2, name = "p" }
            empty = {}
            tables = [{ a = 1 }, { a = 2 }]
            multi = { a = 1,
                      b = 2, }
            """)
        guard case .array(let list) = t["list"]?.value else { Issue.record("no list"); return }
        #expect(strings(list) == ["a", "b", "c"])
        #expect(list.map(\.line) == [2, 3, 5])
        guard case .array(let nested) = t["nested"]?.value else { Issue.record("no nested"); return }
        #expect(nested.count == 3)
        guard case .table(let point) = t["point"]?.value, case .table(let y) = point["y"]?.value else {
            Issue.record("no point"); return
        }
        #expect(point.keys == ["x", "y", "name"])
        #expect(y["z"]?.value == .integer(2))
        #expect(t["empty"]?.value == .table(TOMLTable(line: 9)))
        guard case .table(let multi) = t["multi"]?.value else { Issue.record("no multi"); return }
        #expect(multi.keys == ["a", "b"])
    }

    static let invalid: [(name: String, text: String, line: Int, column: Int, contains: String)] = [
        ("duplicate key", "a = 1\nb = 2\na = 3", 3, 1, "duplicate key \"a\" (first defined at line 1)"),
        ("duplicate dotted key", "a.b = 1\na.b = 2", 2, 3, "duplicate key \"a.b\""),
        ("duplicate in inline table", "t = { a = 1, a = 2 }", 1, 14, "duplicate key"),
        ("table defined twice", "[a]\nx = 1\n\n[a]\ny = 2", 4, 1, "table [a] is defined twice (first at line 1)"),
        ("table after dotted keys", "a.b = 1\n[a]", 2, 1, "already defined by dotted keys at line 1"),
        ("header over a value", "a = 1\n[a]", 2, 1, "already an integer set at line 1"),
        ("header extends inline table", "a = { b = 1 }\n[a.c]", 2, 1, "cannot be extended"),
        ("array of tables over table", "[a]\n[[a]]", 2, 1, "conflicts with the table [a]"),
        ("table over array of tables", "[[a]]\n[a]", 2, 1, "conflicts with the array of tables"),
        ("array of tables over static array", "a = [1]\n[[a]]", 2, 1, "conflicts with \"a\""),
        ("dotted key into header table", "[a.b]\nx = 1\n[a]\nb.y = 2", 4, 1, "put this key under that table's header"),
        ("dotted key through a value", "a = 1\na.b = 2", 2, 1, "already an integer"),
        ("inline table extended by dotted key", "a = {b = 1}\na.c = 2", 2, 1, "already a table"),
        ("missing value", "a =\nb = 1", 1, 4, "missing value for \"a\""),
        ("missing equals", "a 1", 1, 3, "expected '=' after the key \"a\""),
        ("missing key", "= 1", 1, 1, "missing key before '='"),
        ("unquoted string", "division = england-and-wales", 1, 12, "put text in double quotes: division = \"england-and-wales\""),
        ("unquoted word", "a = yes", 1, 5, "put text in double quotes"),
        ("two values on a line", "a = 1 b = 2", 1, 7, "unexpected 'b' after the value"),
        ("unterminated string", "a = \"abc\nb = 1", 1, 9, "unterminated string"),
        ("unterminated literal", "a = 'abc", 1, 9, "unterminated literal string"),
        ("unterminated multi-line", "a = \"\"\"abc\n\nb", 3, 2, "opened at line 1"),
        ("bad escape", #"a = "x\qy""#, 1, 7, "invalid escape \\q"),
        ("short unicode escape", #"a = "\u12""#, 1, 6, "needs 4 hexadecimal digits"),
        ("surrogate escape", #"a = "\uD800""#, 1, 6, "not a Unicode scalar value"),
        ("control char in string", "a = \"x\u{01}y\"", 1, 7, "control character U+0001"),
        ("leading zero", "a = 012", 1, 5, "not a valid number"),
        ("double underscore", "a = 1__0", 1, 5, "not a valid number"),
        ("trailing underscore", "a = 10_", 1, 5, "not a valid number"),
        ("integer overflow", "a = 9223372036854775808", 1, 5, "too large"),
        ("float without digits after dot", "a = 1.", 1, 5, "not a valid number"),
        ("float without digits before dot", "a = .5", 1, 5, "not a valid value"),
        ("bad month", "a = 2026-13-01", 1, 5, "not a valid date"),
        ("bad day", "a = 2026-02-29", 1, 5, "not a valid date"),
        ("bad hour", "a = 25:00:00", 1, 5, "not a valid date or time"),
        ("bad minute", "a = 10:60", 1, 5, "not a valid date or time"),
        ("array missing comma", "a = [1 2]", 1, 8, "expected ',' or ']'"),
        ("array double comma", "a = [1,,2]", 1, 8, "extra comma"),
        ("unterminated array", "a = [1,\n2", 2, 2, "opened at line 1"),
        ("unterminated inline table", "a = { b = 1", 1, 12, "unterminated inline table"),
        ("unclosed header", "[a\nb = 1", 1, 3, "expected ']' to close the header [a"),
        ("unclosed array header", "[[a]\n", 1, 5, "expected ']]'"),
        ("empty header", "[]", 1, 2, "where a key was expected"),
        ("bad bare key", "a$ = 1", 1, 2, "expected '=' after the key \"a\""),
        ("lone carriage return", "a = 1\rb = 2", 1, 6, "carriage return"),
        ("text after header", "[a] x = 1", 1, 5, "after the header [a]"),
        ("multi-line key", "\"\"\"a\"\"\" = 1", 1, 1, "multi-line string cannot be a key"),
        ("control char in comment", "a = 1 # x\u{07}", 1, 10, "in a comment"),
    ]

    @Test("invalid documents are rejected at the right line and column", arguments: invalid)
    func rejects(_ c: (name: String, text: String, line: Int, column: Int, contains: String)) {
        do {
            let t = try parseTOML(c.text)
            Issue.record("\(c.name): parsed as \(t)")
        } catch {
            #expect(error.line == c.line, "\(c.name): \(error)")
            #expect(error.column == c.column, "\(c.name): \(error)")
            #expect(error.message.contains(c.contains), "\(c.name): \(error)")
            #expect(error.description.hasPrefix("line \(c.line), column \(c.column): "))
        }
    }

    @Test func implicitTableMayBeDefinedOnceLater() throws {
        let t = try parseTOML("[a.b]\nx = 1\n[a]\ny = 2")
        guard case .table(let a) = t["a"]?.value else { Issue.record("no a"); return }
        #expect(a.line == 3)
        #expect(a.keys == ["b", "y"])
    }

    @Test func errorsSpanningLinesCountLinesInsideMultilineStrings() {
        #expect(throws: TOMLError.self) { try parseTOML("a = \"\"\"\nx\ny\n\"\"\"\na = 2") }
        do { _ = try parseTOML("a = \"\"\"\nx\ny\n\"\"\"\na = 2") } catch { #expect(error.line == 5) }
    }
}
