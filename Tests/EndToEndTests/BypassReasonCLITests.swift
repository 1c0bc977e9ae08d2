import Foundation
import Testing

/// six-stage-drp: "Before raising a DRP at a higher level, the Service Manager of Reviewing and
/// Insights must be informed of this and the reasons for doing so." four-stage bypasses notify too.
/// The bypass notice carries the reason, and `dispute show` shows it (text and --json).
///
/// A four-stage formal dispute raised Mon 23 Nov 2026 10:00 at stage 1 (Workspace.openFormal),
/// escalated by the IRO Tue 24 Nov 09:00 straight to stage 3 (a bypass, one step skipped).
@Suite("Bypass reason (end to end)")
struct BypassReasonCLITests {
    static let reason = "child at risk of significant harm this week"

    // (reason given, the line of the notice, the line of show)
    static let cases: [(reason: String?, notice: String, shown: String)] = [
        (reason, "The reason given: \(reason)", "bypass: stage 1 to stage 3 at 2026-11-24T09:00:00+00:00; reason: \(reason)\n"),
    ]

    @Test(arguments: cases)
    func theBypassNoticeAndShowCarryTheReason(reason: String?, notice: String, shown: String) throws {
        let ws = try NotificationCLITests.workspace()
        let r = try ws.run(["dispute", "escalate", "DR-1", "--to-stage", "3", "--by", "iro:iro@council.example", "--at", "2026-11-24T09:00"]
                           + (reason.map { ["--reason", $0] } ?? []))
        #expect(r.status == 0, "\(r.stderr)")
        let rendered = try ws.run(["render", "DR-1", "--event", "bypass", "--at", "2026-11-24T09:05"])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stdout.contains(notice), "\(rendered.stdout)")
        let text = try ws.run(["dispute", "show", "DR-1", "--at", "2026-11-24T09:05"]).stdout
        #expect(text.contains(shown), "\(text)")
        let object = try #require(try json(try ws.run(["dispute", "show", "DR-1", "--at", "2026-11-24T09:05", "--json"]).stdout) as? [String: Any])
        let bypasses = try #require(object["bypasses"] as? [[String: Any]])
        #expect(bypasses.count == 1)
        #expect(bypasses.first?["from_stage"] as? Int == 1)
        #expect(bypasses.first?["to_stage"] as? Int == 3)
        #expect(bypasses.first?["at"] as? String == "2026-11-24T09:00:00+00:00")
        #expect(bypasses.first?["reason"] as? String == reason)
    }

    @Test func aDisputeRaisedAboveTheFirstStageShowsItsOpeningReason() throws {
        let ws = try NotificationCLITests.workspace()
        let r = try ws.run(["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--stage", "3",
                            "--reason", Self.reason, "--category", "general", "--type", "P",
                            "--raised-by", "iro:iro@council.example", "--at", "2026-11-23T10:00"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try ws.run(["dispute", "show", "DR-2", "--at", "2026-11-23T10:05"]).stdout
        #expect(text.contains("bypass: raised to stage 3 at 2026-11-23T10:00:00+00:00; reason: \(Self.reason)\n"), "\(text)")
        #expect(text.contains("  2026-11-23T10:00:00+00:00  opened at stage 3 (\(Self.reason))  by iro:iro@council.example\n"), "\(text)")
        let rendered = try ws.run(["render", "DR-2", "--event", "bypass", "--at", "2026-11-23T10:05"])
        #expect(rendered.stdout.contains("The reason given: \(Self.reason)"), "\(rendered.stdout)")
    }
}
