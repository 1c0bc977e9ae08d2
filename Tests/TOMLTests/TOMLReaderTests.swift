import Testing
@testable import TOML

private enum Format: String, CaseIterable { case generic, teams, slack }

/// A small loader in the style of the real ones: what each test reads.
private struct Sample {
    var name: String
    var days: Int?
    var ratio: Double?
    var enabled: Bool?
    var tags: [String]?
    var format: Format?
    var url: String?
    var hooks: [String] = []

    static func load(_ text: String, file: String = "policies/x.toml") throws(ConfigFileError) -> Sample {
        let root = TOMLReader(try parseTOML(text, file: file), file: file)
        var s = Sample(name: try root.requiredString("name"))
        s.days = try root.optionalInt("days", in: 0...100)
        s.ratio = try root.optionalDouble("ratio")
        s.enabled = try root.optionalBool("enabled")
        s.tags = try root.optionalStringArray("tags")
        s.format = try root.optionalEnum("format", Format.self)
        if let email = try root.optionalTable("email") { s.url = try email.requiredString("url") }
        for hook in try root.arrayOfTables("hook") { s.hooks.append(try hook.requiredString("name")) }
        try root.finish()
        return s
    }
}

@Suite("TOML reader")
struct TOMLReaderTests {
    @Test func readsEveryKindOfKey() throws {
        let s = try Sample.load("""
            name = "four-stage"
            days = 5
            ratio = 2
            enabled = true
            tags = ["a", "b"]
            format = "teams"
            [email]
            url = "smtp://x"
            [[hook]]
            name = "one"
            [[hook]]
            name = "two"
            """)
        #expect(s.name == "four-stage")
        #expect(s.days == 5)
        #expect(s.ratio == 2.0)
        #expect(s.enabled == true)
        #expect(s.tags == ["a", "b"])
        #expect(s.format == .teams)
        #expect(s.url == "smtp://x")
        #expect(s.hooks == ["one", "two"])
    }

    @Test func optionalKeysMayBeAbsent() throws {
        let s = try Sample.load("name = \"x\"")
        #expect(s.days == nil && s.tags == nil && s.format == nil && s.url == nil && s.hooks.isEmpty)
    }

    static let errors: [(text: String, expected: String)] = [
        ("days = 5", #"policies/x.toml:1: missing required key "name"; add name = "...""#),
        ("name = 3", #"policies/x.toml:1: "name" must be a string, not an integer; write name = "...""#),
        ("name = \"x\"\ndays = \"5\"", #"policies/x.toml:2: "days" must be an integer, not a string; write days = 10"#),
        ("name = \"x\"\n\ndays = 101", "policies/x.toml:3: \"days\" is 101, out of range; use a value from 0 to 100"),
        ("name = \"x\"\nenabled = \"yes\"", #"policies/x.toml:2: "enabled" must be true or false, not a string; write enabled = true"#),
        ("name = \"x\"\ntags = [\"a\",\n  2]", "policies/x.toml:3: item 2 of \"tags\" is an integer, but must be a string; put it in double quotes"),
        ("name = \"x\"\ntags = \"a\"", "policies/x.toml:2: \"tags\" must be an array of strings, not a string; write tags = [\"a\", \"b\"]"),
        ("name = \"x\"\nformat = \"xml\"", #"policies/x.toml:2: "format" is "xml", which is not known; use one of "generic", "teams", "slack""#),
        ("name = \"x\"\nemail = 1", "policies/x.toml:2: \"email\" must be a table, not an integer; write [email]"),
        ("name = \"x\"\n[email]\nport = 25", #"policies/x.toml:2: missing required key "url" in [email]; add url = "..." to [email]"#),
        ("name = \"x\"\n[email]\nurl = 5", #"policies/x.toml:3: "url" in [email] must be a string, not an integer; write url = "...""#),
        ("name = \"x\"\nhook = 1", "policies/x.toml:2: \"hook\" must be an array of tables, not an integer; write [[hook]]"),
        ("name = \"x\"\n[[hook]]\nname = \"a\"\n[[hook]]\nnme = \"b\"",
         #"policies/x.toml:4: missing required key "name" in [[hook]] (line 4); add name = "..." to [[hook]] (line 4)"#),
        ("name = \"x\"\ndayz = 5", #"policies/x.toml:2: unknown key "dayz" at line 2; remove it or fix its spelling (did you mean "days"?)"#),
        ("name = \"x\"\n\n\nzzzzzz = 5",
         "policies/x.toml:4: unknown key \"zzzzzz\" at line 4; remove it or fix its spelling (known keys: name, days, ratio, enabled, tags, format, email, hook)"),
        ("name = \"x\"\n[email]\nurl = \"u\"\nurll = \"v\"",
         #"policies/x.toml:4: unknown key "urll" in [email] at line 4; remove it or fix its spelling (did you mean "url"?)"#),
        ("name = \"x\"\n[[hook]]\nname = \"a\"\nextra.deep = 1",
         #"policies/x.toml:4: unknown key "extra" in [[hook]] (line 2) at line 4; remove it or fix its spelling (known keys: name)"#),
        ("name = \"x\"\nname = \"y\"", #"policies/x.toml:2: duplicate key "name" (first defined at line 1); remove one of them"#),
        ("name = \"x\"\n[email\n", "policies/x.toml:2: expected ']' to close the header [email; write it as [email] on one line"),
    ]

    @Test("errors read FILE:LINE: what is wrong; how to fix it", arguments: errors)
    func reportsErrors(text: String, expected: String) {
        do {
            _ = try Sample.load(text)
            Issue.record("loaded without error: \(text)")
        } catch {
            #expect(error.description == expected)
            #expect(error.file == "policies/x.toml")
        }
    }

    @Test func unknownKeysAreReportedInFileOrder() {
        #expect(throws: ConfigFileError(file: "f.toml", line: 2,
                                        message: "unknown key \"b\" at line 2; remove it or fix its spelling (known keys: name)")) {
            let r = TOMLReader(try parseTOML("name = \"x\"\nb = 1\na = 2", file: "f.toml"), file: "f.toml")
            _ = try r.requiredString("name")
            try r.finish()
        }
    }

    @Test func errorHelpersPointAtTheKeyLine() throws {
        let r = TOMLReader(try parseTOML("a = 1\n\nsend_time = \"25:00\"", file: "c.toml"), file: "c.toml")
        #expect(r.error("bad time", at: "send_time").description == "c.toml:3: bad time")
        #expect(r.error("whole table").line == 1)
        #expect(r.line(of: "missing") == 1)
        #expect(r.contains("a") && !r.contains("b"))
    }

    @Test func datesMayBeBareOrQuoted() throws {
        let r = TOMLReader(try parseTOML("closures = [2026-12-29, \"2026-12-30\",\n  2026-12-31]", file: "c.toml"), file: "c.toml")
        let list = try #require(try r.optionalDateTextList("closures"))
        #expect(list.map(\.value) == ["2026-12-29", "2026-12-30", "2026-12-31"])
        #expect(list.map(\.line) == [1, 1, 2])
        try r.finish()
    }

    @Test func editDistanceSuggestsCloseKeys() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(closest(to: "sendtime", in: ["send_time", "database"]) == "send_time")
        #expect(closest(to: "xyz", in: ["send_time"]) == nil)
    }
}
