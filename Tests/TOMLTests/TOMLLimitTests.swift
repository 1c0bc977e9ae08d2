import Testing
@testable import TOML

/// Hostile files (issue 12): deep nesting overflowed the stack (exit 139, and a reload with such a
/// file killed the daemon); a long dotted key took quadratic time. Each is now an error at a line.
struct TOMLLimitTests {
    static let hostile: [(name: String, text: String, line: Int, contains: String)] = [
        ("40,000 nested arrays", "a = " + String(repeating: "[", count: 40_000), 1, "nested more than 32 deep in \"a\""),
        ("40,000 nested inline tables", "a = " + String(repeating: "{a = ", count: 40_000), 1, "nested more than 32 deep in \"a\""),
        ("20,000-part dotted key", String(repeating: "a.", count: 20_000) + "a = 1", 1, "a dotted key has more than 32 parts"),
        ("20,000-part header", "\n[" + String(repeating: "a.", count: 20_000) + "a]", 2, "a dotted key has more than 32 parts"),
        ("33 nested arrays", "x = 1\na = " + String(repeating: "[", count: 33) + String(repeating: "]", count: 33), 2, "nested more than 32 deep"),
    ]

    @Test("hostile nesting is refused at its line, not a crash", arguments: hostile)
    func refusesHostileNesting(_ c: (name: String, text: String, line: Int, contains: String)) {
        do {
            _ = try parseTOML(c.text, file: "drwatch.toml")
            Issue.record("\(c.name): accepted")
        } catch {
            #expect(error.line == c.line, "\(c.name): \(error)")
            #expect(error.message.contains(c.contains), "\(c.name): \(error)")
            #expect(error.description.hasPrefix("drwatch.toml:\(c.line): "), "\(c.name)")
        }
    }

    @Test func thirtyTwoLevelsAreAccepted() throws {
        let arrays = try parseTOML("a = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32))
        #expect(arrays["a"] != nil)
        let key = (1...32).map { "k\($0)" }.joined(separator: ".")
        let dotted = try parseTOML("\(key) = 1")
        var node = dotted["k1"]
        for i in 2...32 {
            guard case .table(let t)? = node?.value else { Issue.record("level \(i) missing"); return }
            node = t["k\(i)"]
        }
        #expect(node?.value == .integer(1))
    }

    @Test func fileOverOneMebibyteIsRefusedWhole() {
        let text = "a = 1\n" + String(repeating: "#", count: TOMLLimits.maxBytes)
        do {
            _ = try parseTOML(text, file: "policies/big.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.description == "policies/big.toml: is larger than 1 MiB; a config or policy file is a few KB, so check it is the right file")
        }
    }

    @Test func fileOfExactlyOneMebibyteIsParsed() throws {
        let head = "a = 1\n#"
        let text = head + String(repeating: "x", count: TOMLLimits.maxBytes - head.utf8.count)
        #expect(text.utf8.count == TOMLLimits.maxBytes)
        #expect(try parseTOML(text)["a"]?.value == .integer(1))
    }
}
