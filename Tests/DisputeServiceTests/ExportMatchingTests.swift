import DisputeCore
import Foundation
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// Which rows of a repeated import are already recorded, new, or contradict the store.
@Suite("Export matching")
struct ExportMatchingTests {
    static let iro = Actor(role: "iro", email: "iro@council.example")
    static let tm = Actor(role: "team-manager", email: "tm@council.example")
    static func at(_ minutes: Int) -> Date { Date(timeIntervalSince1970: 1_795_424_400 + Double(minutes * 60)) }
    static let opened = DisputeEvent(at: at(0), by: iro, change: .opened(stage: 1))
    static let escalated = DisputeEvent(at: at(60), by: iro, change: .escalated(toStage: 2, reason: nil))
    static let note = DisputeEvent(at: at(120), change: .note("chased"))
    static let resolved = DisputeEvent(at: at(180), change: .resolved(outcome: "plan amended"))

    static func rows(_ events: [DisputeEvent], ids: [String?] = []) -> [ExportedEvent] {
        events.enumerated().map { ExportedEvent(line: $0.offset + 2, event: $0.element, eventID: $0.offset < ids.count ? ids[$0.offset] : nil) }
    }
    static func recorded(_ events: [DisputeEvent], ids: [String?] = [], fromImport: Bool = true) -> [RecordedEvent] {
        events.enumerated().map { RecordedEvent(event: $0.element, eventID: $0.offset < ids.count ? ids[$0.offset] : nil, fromImport: fromImport) }
    }

    @Test func theSameHistoryAgainIsAllRecorded() {
        let c = ExportMatching.compare(Self.rows([Self.opened, Self.escalated, Self.note]), with: Self.recorded([Self.opened, Self.escalated, Self.note]))
        #expect(c.verdicts == [.recorded(0), .recorded(1), .recorded(2)])
        #expect(c.missing.isEmpty)
        #expect(!c.isContradictory)
    }

    @Test func oneNewEventAtTheEndIsNew() {
        let c = ExportMatching.compare(Self.rows([Self.opened, Self.escalated, Self.note]), with: Self.recorded([Self.opened, Self.escalated]))
        #expect(c.verdicts == [.recorded(0), .recorded(1), .new])
        #expect(!c.isContradictory)
    }

    /// An export that leaves out who acted still matches; one that names someone else does not.
    @Test func whoActedIsComparedOnlyWhenTheExportNamesThem() {
        var anonymous = Self.escalated
        anonymous.by = nil
        var other = Self.escalated
        other.by = Self.tm
        #expect(ExportMatching.compare(Self.rows([anonymous]), with: Self.recorded([Self.opened, Self.escalated])).verdicts == [.recorded(1)])
        #expect(ExportMatching.compare(Self.rows([other]), with: Self.recorded([Self.opened, Self.escalated])).verdicts == [.new])
    }

    @Test func aPartialHistoryOfOnlyNewEventsIsNew() {
        let c = ExportMatching.compare(Self.rows([Self.resolved]), with: Self.recorded([Self.opened, Self.escalated, Self.note]))
        #expect(c.verdicts == [.new])
        #expect(c.missing.isEmpty)
    }

    @Test func anEventIDMatchesWhateverTheOrderAndADifferenceIsAContradiction() {
        let stored = Self.recorded([Self.opened, Self.escalated], ids: ["E1", "E2"])
        var changed = Self.escalated
        changed.change = .escalated(toStage: 3, reason: "bypass")
        #expect(ExportMatching.compare(Self.rows([Self.escalated, Self.opened], ids: ["E2", "E1"]), with: stored).verdicts == [.recorded(1), .recorded(0)])
        let c = ExportMatching.compare(Self.rows([Self.opened, changed], ids: ["E1", "E2"]), with: stored)
        #expect(c.verdicts == [.recorded(0), .differs(1)])
        #expect(c.missing == [])
        #expect(c.isContradictory)
        // Another id on an equal event: another event.
        #expect(ExportMatching.compare(Self.rows([Self.escalated], ids: ["E9"]), with: stored).verdicts == [.new])
    }

    @Test func anEventIDMatchesAnEqualEventTypedInDrwatch() {
        let stored = Self.recorded([Self.opened, Self.note], fromImport: false)
        #expect(ExportMatching.compare(Self.rows([Self.note], ids: ["N1"]), with: stored).verdicts == [.recorded(1)])
    }

    @Test func aRowRepeatedInTheFileIsSkippedOnce() {
        let c = ExportMatching.compare(Self.rows([Self.note, Self.note]), with: Self.recorded([Self.opened]))
        #expect(c.verdicts == [.new, .repeats(line: 2)])
        let byID = ExportMatching.compare(Self.rows([Self.note, Self.resolved], ids: ["X", "X"]), with: Self.recorded([Self.opened]))
        #expect(byID.verdicts == [.new, .repeats(line: 2)])
    }

    @Test func anotherOpeningOrAnotherEndContradictsTheStore() {
        let moved = DisputeEvent(at: Self.at(5), by: Self.iro, change: .opened(stage: 1))
        let withdrawn = DisputeEvent(at: Self.at(200), change: .withdrawn(reason: "raised in error"))
        let otherOutcome = DisputeEvent(at: Self.at(180), change: .resolved(outcome: "no change"))
        let stored = Self.recorded([Self.opened, Self.resolved])
        #expect(ExportMatching.compare(Self.rows([moved]), with: stored).verdicts == [.openedOtherwise(0)])
        #expect(ExportMatching.compare(Self.rows([Self.opened, withdrawn]), with: stored).verdicts == [.recorded(0), .closedOtherwise(1)])
        #expect(ExportMatching.compare(Self.rows([Self.opened, otherOutcome]), with: stored).verdicts == [.recorded(0), .closedOtherwise(1)])
    }

    /// An imported event inside the export's time span that the export no longer has is missing;
    /// one typed in drwatch, or outside the span, is not.
    @Test func anImportedEventDroppedByTheExportIsMissing() {
        var stored = Self.recorded([Self.opened, Self.escalated, Self.note])
        #expect(ExportMatching.compare(Self.rows([Self.opened, Self.note]), with: stored).missing == [1])
        #expect(ExportMatching.compare(Self.rows([Self.opened, Self.note]), with: stored).isContradictory)
        #expect(ExportMatching.compare(Self.rows([Self.note]), with: stored).missing == [])
        stored[1].fromImport = false
        #expect(ExportMatching.compare(Self.rows([Self.opened, Self.note]), with: stored).missing == [])
    }
}

@Suite("Drop folder")
struct DropFolderTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_424_400)

    @Test(arguments: [("export.csv", true), ("EXPORT.CSV", true), (".export.csv", false), ("export.csv.part", false),
                      ("export.tmp", false), (".csv", false), ("report.txt", false)])
    func onlyCSVFilesInPlaceAreCandidates(name: String, candidate: Bool) {
        #expect(DropFolder.isCandidate(name) == candidate)
    }

    @Test func aFileIsTakenOnceSeenUnchangedAtTwoPolls() {
        let first = DropFolder.ready(listing: ["a.csv": .init(size: 10, modified: Self.t0), "b.csv.part": .init(size: 5, modified: Self.t0)],
                                     previous: [:])
        #expect(first.ready == [])
        #expect(first.seen == ["a.csv": .init(size: 10, modified: Self.t0)])
        // a.csv grew: wait again; c.csv is new.
        let second = DropFolder.ready(listing: ["a.csv": .init(size: 20, modified: Self.t0 + 1), "c.csv": .init(size: 3, modified: Self.t0)],
                                      previous: first.seen)
        #expect(second.ready == [])
        let third = DropFolder.ready(listing: ["a.csv": .init(size: 20, modified: Self.t0 + 1), "c.csv": .init(size: 3, modified: Self.t0)],
                                     previous: second.seen)
        #expect(third.ready == ["a.csv", "c.csv"])
        // Touched without a change of size: waits again.
        let touched = DropFolder.ready(listing: ["a.csv": .init(size: 20, modified: Self.t0 + 2)], previous: third.seen)
        #expect(touched.ready == [])
    }
}

@Suite("Import mapping")
struct ImportMappingTests {
    @Test func headersAndCodesMapToDrwatchColumnsAndValues() throws {
        let m = try ImportMapping.make(columns: [("Case ID", "ref"), ("Workflow Step", "event"), ("Child Name", "ignore"), ("Step Id", "event_id")],
                                       values: [("event", [("QPA Raised", "opened"), ("Stage 2 - TM", "escalated")])]).get()
        #expect(m.column(forHeader: " case id ") == "ref")
        #expect(m.column(forHeader: "Child Name") == "ignore")
        #expect(m.column(forHeader: "at") == "at")
        #expect(m.value(" QPA Raised ", column: "event") == "opened")
        #expect(m.value("Something else", column: "event") == "Something else")
        #expect(m.value("QPA Raised", column: "kind") == "QPA Raised")
    }

    @Test(arguments: [
        ([("Case", "reference")], [], "\"reference\" is not a drwatch column"),
        ([("Case", "ref"), ("Case No", "ref")], [], "both map to ref"),
        ([("Case", "ref"), (" case ", "kind")], [], "mapped twice"),
        ([], [("colour", [("a", "b")])], "[import.values.colour]"),
        ([], [("event", [("A", "opened"), ("A ", "note")])], "the code \"A \" is mapped twice"),
    ] as [([(String, String)], [(String, [(String, String)])], String)])
    func aBadMappingIsRefusedWithItsKey(columns: [(String, String)], values: [(String, [(String, String)])], message: String) {
        guard case .failure(let f) = ImportMapping.make(columns: columns.map { (header: $0.0, column: $0.1) },
                                                        values: values.map { (column: $0.0, codes: $0.1.map { (code: $0.0, value: $0.1) }) }) else {
            Issue.record("accepted")
            return
        }
        #expect(f.problems.count == 1)
        #expect(f.problems.first?.message.contains(message) == true, "\(f.problems)")
    }
}
