import Foundation
import Testing
import TOML
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// `[import]`, `[import.columns]` and `[import.values]` in the config file.
@Suite("Import config")
struct ImportConfigTests {
    static func parse(_ body: String) throws -> DrwatchConfig {
        try DrwatchConfig.parse(text: "policies = [\"p.toml\"]\n" + body, path: "/etc/drwatch/drwatch.toml", environment: [:])
    }

    @Test func theSectionIsReadWithItsMapping() throws {
        let c = try Self.parse("""
            [import]
            directory = "import"
            strict = true
            [import.columns]
            "Case Number" = "ref"
            "Child Name" = "ignore"
            [import.values.event]
            "QPA Raised" = "opened"
            """)
        #expect(c.imports.directory == "/etc/drwatch/import")
        #expect(c.imports.strict)
        #expect(c.imports.mapping.column(forHeader: "case number") == "ref")
        #expect(c.imports.mapping.column(forHeader: "Child Name") == "ignore")
        #expect(c.imports.mapping.value("QPA Raised", column: "event") == "opened")
        #expect(try Self.parse("").imports == ImportConfig())
    }

    @Test(arguments: [
        ("[import]\ndirectory = \"\"\n", 3, "is empty"),
        ("[import.columns]\n\"Case\" = \"reference\"\n", 3, "\"reference\" is not a drwatch column"),
        ("[import.columns]\n\"Case\" = \"ref\"\n\"Case No\" = \"ref\"\n", 4, "both map to ref"),
        ("[import.values.colour]\n\"a\" = \"b\"\n", 2, "[import.values.colour]"),
        ("[import]\nfolder = \"x\"\n", 3, "unknown key \"folder\""),
        ("[import.columns]\n\"Case\" = 3\n", 3, "\"Case\""),
    ])
    func aBadSectionNamesItsLine(body: String, line: Int, message: String) {
        do {
            _ = try Self.parse(body)
            Issue.record("accepted")
        } catch let e as ConfigFileError {
            #expect(e.line == line, "\(e)")
            #expect(e.message.contains(message), "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
