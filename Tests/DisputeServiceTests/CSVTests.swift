import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The RFC 4180 reader behind `drwatch import`.
@Suite("CSV")
struct CSVTests {
    static func fields(_ text: String) -> [[String]] {
        parseCSV(Array(text.utf8)).map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test(arguments: [
        ("a,b\r\nc,d\r\n", [["a", "b"], ["c", "d"]]),
        ("a,b\nc,d", [["a", "b"], ["c", "d"]]),
        ("a,,\n", [["a", "", ""]]),
        ("\"x, y\",\"say \"\"hi\"\"\"\n", [["x, y", "say \"hi\""]]),
        ("\"two\nlines\",b\nc,d\n", [["two\nlines", "b"], ["c", "d"]]),
        ("\u{FEFF}a,b\n\n\nc,d\n", [["a", "b"], ["c", "d"]]),
        ("\"\"\n", [[""]]),
    ])
    func recordsAndFields(text: String, expected: [[String]]) {
        #expect(Self.fields(text) == expected)
    }

    @Test func eachRecordKnowsTheLineItStartsOn() {
        let records = parseCSV(Array("h\n\"a\nb\"\n\nc\n".utf8))
        #expect(records.map(\.line) == [1, 2, 5])
    }

    @Test(arguments: [
        ("a\"b,c\n", "inside unquoted field 1"),
        ("\"a\"b,c\n", "text after a closing quote in field 1"),
        ("x,\"never closed\n", "never closed"),
    ])
    func syntaxErrorsStayWithTheirRecord(text: String, problem: String) {
        let records = parseCSV(Array(text.utf8))
        #expect(records.first?.problem?.contains(problem) == true, "\(records)")
    }

    @Test func readingGoesOnAfterABadRecord() {
        let records = parseCSV(Array("a\"b,c\nd,e\n".utf8))
        #expect(records.count == 2)
        #expect(records[1].problem == nil)
        #expect(records[1].fields.map { String(decoding: $0, as: UTF8.self) } == ["d", "e"])
    }
}
