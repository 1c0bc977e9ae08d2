import Foundation
import Testing
@testable import WorkingDays

/// `CivilTime.london` computes its offsets from the UK/EU rules and formats ISO 8601 itself (the
/// daemon then never loads ICU); these compare both with Foundation's answers.
@Suite struct CivilTimeTests {
    @Test func londonRulesGiveTheSameOffsetsAsTheZoneDatabase() {
        let icu = OffsetTable(zone: TimeZone(identifier: "Europe/London")!)
        #expect(OffsetTable.london.sameOffsets(as: icu))
        #expect(OffsetTable.london.dayOffsets == icu.dayOffsets)
    }

    static let instants: [Double] = {
        var out: [Double] = [0, 631_152_000.5, 1_795_424_400, 1_795_424_400.999, 1_774_832_399, 1_774_832_400,
                             1_792_976_399, 1_792_976_400, 4_102_444_800, -86_401, 4_417_977_599, 4_500_000_000]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<300 { out.append(Double(Int.random(in: 600_000_000...4_450_000_000, using: &g))) }
        return out
    }()

    @Test(arguments: instants) func londonIso8601IsWhatFoundationWrites(_ t: Double) {
        let d = Date(timeIntervalSince1970: t)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "Europe/London")!
        f.formatOptions = [.withInternetDateTime]
        var expected = f.string(from: d)
        if expected.hasSuffix("Z") { expected.removeLast(); expected += "+00:00" }
        #expect(CivilTime.london.iso8601(d) == expected)
        #expect(CivilTime(zone: TimeZone(identifier: "Europe/London")!).iso8601(d) == expected)
    }

    @Test(arguments: instants) func utcIso8601IsWhatFoundationWrites(_ t: Double) {
        let d = Date(timeIntervalSince1970: t)
        #expect(CivilTime.utcISO8601(d) == ISO8601DateFormatter().string(from: d))
    }

    @Test func londonStillHasItsZone() {
        #expect(CivilTime.london.zone.identifier == "Europe/London")
    }

    /// Found by Fuzz/iso8601.swift (corpus: year-1026-local-mean-time): a TIME in 1026 parsed,
    /// and was written back with London's local-mean-time offset -00:01:15, which does not parse.
    @Test(arguments: ["1026-11-23T14:30", "1026-11-23", "1969-12-31T23:59", "2200-01-01"])
    func timesOutsideTheYearsWeHandleAreRefused(_ text: String) {
        #expect(CivilTime.london.parse(text) == nil)
    }

    @Test(arguments: ["1970-01-01T00:00Z", "2026-11-23T14:30", "2199-12-31T23:59+01:00"])
    func timesInsideRoundTrip(_ text: String) throws {
        let t = try #require(CivilTime.london.parse(text))
        #expect(CivilTime.london.parse(CivilTime.london.iso8601(t)) == t)
    }
}
