import DisputeCore
@testable import DisputeStore
import Foundation
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The recorder on a real SQLite file: open, change and import are each validate -> engine
/// check -> one transaction, refusals name the field, and nothing is written when refused.
@Suite("Recorder")
struct RecorderTests {
    let store: any StoreBackend
    let recorder: Recorder

    init() throws {
        let dir = try tempFolder("recorder")
        let path = dir.appendingPathComponent("drwatch.toml").path
        try Data("""
            database = "\(dir.appendingPathComponent("db.sqlite").path)"
            policies = ["\(fourStagePath)"]
            \(standardRoles)
            """.utf8).write(to: URL(fileURLWithPath: path))
        let config = try DrwatchConfig.load(path: path, environment: [:])
        store = try Stores.open(setting: config.database)
        try store.migrate()
        recorder = Recorder(runtime: try Runtime.load(config: config), store: store, origin: .web)
    }

    static let iro = Actor(role: "iro", email: "iro@council.example")

    static func fields(_ ref: String = "DR-1", kind: String = "formal", at: String = "2026-11-23T10:00") -> OpeningFields {
        OpeningFields(ref: ref, policy: "four-stage", kind: kind, category: "general", type: "P", raisedBy: iro, at: london(at),
                      people: [(role: "team-manager", email: "tm@council.example")])
    }

    func eventCount() throws -> Int { try store.read { try $0.eventCount() } }

    @Test func openingRecordsTheDisputeAndEvaluatesItAtItsOpening() throws {
        let (dispute, evaluation) = try recorder.open(Self.fields())
        #expect(try store.dispute(ref: "DR-1") == dispute)
        #expect(dispute.events == [DisputeEvent(at: london("2026-11-23T10:00"), by: Self.iro, change: .opened(stage: 1))])
        #expect(dispute.people == ["team-manager": ["tm@council.example"]])
        #expect(evaluation.stage == 1)
        #expect(evaluation.owner == "team-manager")
        #expect(evaluation.state == .onTrack)
        #expect(evaluation.stageDeadline == london("2026-11-30T17:00"))   // 5 working days
        #expect(try store.disputesWithOrigins(refs: ["DR-1"])["DR-1"]?.origins == [.web])
    }

    @Test func openingAReferenceAlreadyRecordedIsRefusedOnTheRefField() throws {
        try recorder.open(Self.fields())
        #expect(throws: DomainError(field: .ref, "DR-1 is already recorded; choose another case reference, or record changes with drwatch dispute escalate/note/...")) {
            try recorder.open(Self.fields(at: "2026-11-24T10:00"))
        }
        #expect(try eventCount() == 1)
    }

    @Test func anUnknownKindIsRefusedOnTheKindFieldAndNothingIsWritten() throws {
        #expect(throws: DomainError(field: .kind, "unknown kind letter; use one of: qop-alert, good-practice, formal, collective, complaint")) {
            try recorder.open(Self.fields(kind: "letter"))
        }
        #expect(try store.dispute(ref: "DR-1") == nil)
    }

    /// Refused changes: the field each names, the message as a front end renders it (fields in
    /// brackets here), and nothing written.
    @Test(arguments: [
        (DisputeEvent.Change.paused(approvedBy: Actor(role: "team-manager", email: "tm@council.example"), reason: "court"), "2026-11-24T10:00",
         Field.approvedBy,
         "a pause needs the agreement of head-of-service-safeguarding, not team-manager; give [approvedBy] head-of-service-safeguarding:EMAIL"),
        (.extended(workingDays: 0, agreedBy: iro), "2026-11-24T10:00", .workingDays,
         "an extension must add 1 to 260 working days, not 0; agree a number in that range"),
        (.extended(workingDays: 2, agreedBy: Actor(role: "team-manager", email: "tm@council.example")), "2026-11-24T10:00", .agreedBy,
         "an extension must be agreed by iro, not team-manager; give [agreedBy] iro:EMAIL"),
        (.escalated(toStage: 1, reason: nil), "2026-11-24T10:00", .stage,
         "DR-1 is already at stage 1; escalate to a higher stage (2 to 5)"),
        (.note("early"), "2026-11-22T10:00", .at,
         "this note is dated 2026-11-22T10:00:00+00:00, before the record's last event (2026-11-23T10:00:00+00:00); use a later [at]"),
    ])
    func aRefusedChangeNamesItsFieldAndWritesNothing(change: DisputeEvent.Change, at: String, field: Field, message: String) throws {
        try recorder.open(Self.fields())
        do {
            try recorder.record(change, ref: "DR-1", by: Self.iro, at: london(at))
            Issue.record("\(change) was recorded")
        } catch let error as DomainError {
            #expect(error.field == field)
            #expect(error.message { "[\($0.rawValue)]" } == message)
        }
        #expect(try eventCount() == 1)
    }

    @Test func aChangeToAnUnknownReferenceIsRefusedOnTheRefField() throws {
        #expect(throws: DomainError(field: .ref, "no dispute DR-9 is recorded; check the case reference (drwatch dispute list --all)")) {
            try recorder.record(.resumed, ref: "DR-9", by: nil, at: london("2026-11-24T10:00"))
        }
    }

    @Test func aChangeIsAppendedAndEvaluatedAtItsTime() throws {
        try recorder.open(Self.fields())
        let (dispute, evaluation) = try recorder.record(.extended(workingDays: 2, agreedBy: Self.iro), ref: "DR-1", by: Self.iro,
                                                         at: london("2026-11-24T10:00"))
        #expect(dispute.events.count == 2)
        #expect(try store.dispute(ref: "DR-1") == dispute)
        #expect(evaluation.stageDeadline == london("2026-12-02T17:00"))   // 5 + 2 working days
    }

    @Test func escalatingWithoutAStageGoesToTheNextOne() throws {
        try recorder.open(Self.fields())
        let (dispute, evaluation) = try recorder.escalate(ref: "DR-1", toStage: nil, reason: nil, by: Self.iro, at: london("2026-11-24T10:00"))
        #expect(dispute.events.last?.change == .escalated(toStage: 2, reason: nil))
        #expect(evaluation.stage == 2)
    }

    /// The `disputes` row's summary columns of `ref`: stage, paused, closed.
    func storedSummary(_ ref: String) throws -> [Int] {
        try (store as! SQLiteStore).withDatabase { db in
            try db.first("SELECT current_stage, is_paused, is_closed FROM disputes WHERE ref = ?", ref, operation: "test") {
                [$0.int(0), $0.int(1), $0.int(2)]
            } ?? []
        }
    }

    @Test func theStoredStageIsTheEnginesAfterADerivedEscalation() throws {
        try recorder.open(Self.fields())
        // Stage 1 ran out on Mon 30 Nov at 17:00: the engine escalated it to stage 2 on breach.
        let (_, evaluation) = try recorder.record(.note("meeting booked"), ref: "DR-1", by: Self.iro, at: london("2026-12-01T10:00"))
        #expect(evaluation.stage == 2)
        #expect(evaluation.derivedEscalations == [2])
        #expect(try storedSummary("DR-1") == [2, 0, 0])
        // A pause and a resolution are kept too.
        let hos = Actor(role: "head-of-service-safeguarding", email: "hos@council.example")
        try recorder.record(.paused(approvedBy: hos, reason: "court"), ref: "DR-1", by: Self.iro, at: london("2026-12-01T11:00"))
        #expect(try storedSummary("DR-1") == [2, 1, 0])
        try recorder.record(.resolved(outcome: "care plan amended"), ref: "DR-1", by: Self.iro, at: london("2026-12-02T11:00"))
        #expect(try storedSummary("DR-1") == [2, 0, 1])
    }

    @Test func anImportedDisputeIsStoredAtTheEnginesStage() throws {
        let csv = Self.header + """
            DR-1,opened,2026-11-23T10:00,iro,iro@council.example,four-stage,formal,,general,P,,,,,,,,,,
            DR-1,note,2026-12-01T10:00,iro,iro@council.example,,,,,,,,,,,,,,,late

            """
        guard case .success = try recorder.importCSV(Array(csv.utf8), file: "export.csv") else { Issue.record("refused"); return }
        #expect(try storedSummary("DR-1") == [2, 0, 0])
    }

    static let header = "ref,event,at,by_role,by_email,policy,kind,stage,category,type,division,team,child_ref,subject,about_owner,people,approver_role,approver_email,working_days,text\n"

    @Test func anImportWritesEveryDisputeInOneGo() throws {
        let csv = Self.header + """
            DR-1,opened,2026-11-23T10:00,iro,iro@council.example,four-stage,formal,,general,P,,,,,,team-manager=tm@council.example,,,,
            DR-1,note,2026-11-24T10:00,iro,iro@council.example,,,,,,,,,,,,,,,met
            DR-2,opened,2026-11-23T11:00,iro,iro@council.example,four-stage,formal,,general,D,,,,,,,,,,

            """
        let checked = try recorder.checkImport(Array(csv.utf8))
        #expect(try eventCount() == 0)
        guard case .success(let plan) = try recorder.importCSV(Array(csv.utf8), file: "export.csv") else { Issue.record("refused: \(checked)"); return }
        #expect(plan.disputes.map(\.ref) == ["DR-1", "DR-2"])
        #expect(try eventCount() == 3)
        #expect(try store.dispute(ref: "DR-1")?.events.last?.change == .note("met"))
        #expect(try store.disputesWithOrigins(refs: ["DR-1"])["DR-1"]?.origins == [.import(file: "export.csv"), .import(file: "export.csv")])
    }

    @Test func aBadImportWritesNothingAndNamesTheColumn() throws {
        let csv = Self.header + """
            DR-1,opened,2026-11-23T10:00,iro,iro@council.example,four-stage,formal,,general,P,,,,,,,,,,
            DR-2,opened,2026-11-23T10:00,iro,iro@council.example,four-stage,formal,,general,P,,,,,,,,,,
            DR-2,paused,2026-11-24T10:00,iro,iro@council.example,,,,,,,,,,,,team-manager,tm@council.example,,court

            """
        guard case .failure(let failure) = try recorder.importCSV(Array(csv.utf8), file: "export.csv") else { Issue.record("imported"); return }
        #expect(failure.problems == [ImportProblem(line: 4, message:
            "a pause needs the agreement of head-of-service-safeguarding, not team-manager; give approver_role head-of-service-safeguarding:EMAIL")])
        #expect(try eventCount() == 0)
    }
}
