import DisputeCore
import Testing

/// The event names are a contract: stored rows and users' CSV files carry them.
@Suite("Event kinds")
struct EventKindTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var change: DisputeEvent.Change; var name: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(change: .opened(stage: 1), name: "opened"),
        Case(change: .escalated(toStage: 2, reason: nil), name: "escalated"),
        Case(change: .responded(text: "visit on Friday"), name: "responded"),
        Case(change: .paused(approvedBy: actor("head-of-service"), reason: "court"), name: "paused"),
        Case(change: .resumed, name: "resumed"),
        Case(change: .extended(workingDays: 3, agreedBy: actor("iro")), name: "extended"),
        Case(change: .note("called"), name: "note"),
        Case(change: .cafcassIntended(reason: nil), name: "cafcass-intended"),
        Case(change: .cafcassReferral, name: "cafcass-referral"),
        Case(change: .resolved(outcome: "agreed"), name: "resolved"),
        Case(change: .withdrawn(reason: "moved"), name: "withdrawn"),
    ]

    @Test(arguments: cases) func aChangeKeepsItsShippedName(_ c: Case) {
        #expect(c.change.name == c.name)
        #expect(EventKind(rawValue: c.name) == c.change.kind)
    }

    @Test func everyKindHasOneShippedNameAndTheMessageListsThemInOrder() {
        #expect(EventKind.allCases.map(\.rawValue) == Self.cases.map(\.name))
        #expect(EventKind.namesForMessages
            == "opened, escalated, responded, paused, resumed, extended, note, cafcass-intended, cafcass-referral, resolved or withdrawn")
        #expect(EventKind(rawValue: "Opened") == nil)
        #expect(EventKind(rawValue: "cafcass_referral") == nil)
    }
}
