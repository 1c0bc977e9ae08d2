import Foundation
import Testing
@testable import WorkingDays

/// The built-in Europe/London rule against compiled tzdata files (tzdata is installed by scripts/setup).
@Suite("TZif check")
struct TZifCheckTests {
    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func theSystemsEuropeLondonAgreesWithTheBuiltInRule() throws {
        #expect(TZifCheck.londonDisagreements(tzif: try Self.bytes("/usr/share/zoneinfo/Europe/London")) == [])
    }

    @Test func aChangedRuleForFutureYearsIsReported() throws {
        var b = try Self.bytes("/usr/share/zoneinfo/Europe/London")
        let rule = Array("M10.5.0\n".utf8), changed = Array("M10.4.0\n".utf8)
        #expect(Array(b.suffix(rule.count)) == rule)
        b.replaceSubrange((b.count - rule.count)..., with: changed)
        #expect(TZifCheck.londonDisagreements(tzif: b)
                == ["tzdata's rule for future years is \"GMT0BST,M3.5.0/1,M10.4.0\", the built-in one is \"GMT0BST,M3.5.0/1,M10.5.0\""])
    }

    @Test func anotherZonesOffsetsAreReported() throws {
        let problems = TZifCheck.londonDisagreements(tzif: try Self.bytes("/usr/share/zoneinfo/Europe/Paris"))
        #expect(problems.first == "tzdata changes the offset to +2 h at 1990-03-25T01:00Z, the built-in rule does not")
        #expect(problems.last == "tzdata's rule for future years is \"CET-1CEST,M3.5.0,M10.5.0/3\", the built-in one is \"GMT0BST,M3.5.0/1,M10.5.0\"")
    }

    @Test(arguments: [[], Array("not a tzif file at all, just text".utf8), Array("TZif2".utf8) + [UInt8](repeating: 0xFF, count: 60)])
    func anUnreadableFileIsSaidSo(bytes: [UInt8]) {
        #expect(TZifCheck.londonDisagreements(tzif: bytes) == ["the tzdata file is not a TZif file drwatch can read"])
    }
}
