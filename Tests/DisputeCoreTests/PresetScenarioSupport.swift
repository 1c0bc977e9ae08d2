import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Helpers for the preset scenario tests (one file per preset in config/policies/).
// Names are kept inside `PresetWorld` and `London` so that they never clash with other helpers.

/// Local times in Europe/London: `London.at("2026-11-02 10:00")`.
enum London {
    static let civil = CivilTime.london
    static func at(_ text: String) -> Date { civil.parse(text.replacingOccurrences(of: " ", with: "T"))! }
    static func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }
    /// The local wall-clock time of an instant, `2026-11-06 17:00`.
    static func show(_ d: Date?) -> String? {
        guard let d else { return nil }
        return "\(civil.localDate(of: d).iso) \(civil.localTime(of: d))"
    }
}

/// The folder holding the shipped presets.
let policiesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config/policies")

/// One shipped preset with an engine on the England and Wales calendar (17:00 close of business,
/// 08:30 send time), and the verbs of a scenario: raise, then record changes, then look.
struct PresetWorld {
    let policy: Policy
    let engine: Engine

    init(_ name: String) throws {
        let url = policiesFolder.appendingPathComponent("\(name).toml")
        policy = try Policy.parse(text: String(contentsOf: url, encoding: .utf8), file: "policies/\(name).toml")
        engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
    }

    static func actor(_ role: String) -> Actor { Actor(role: role, email: "\(role)@council.example") }

    /// A new record, checked by `Engine.validate(opening:)` as the CLI does.
    func raise(_ kind: RecordKind = .formal, ref: String = "DR-1", at time: String, stage: Int = 1, by role: String = "iro",
               category: IssueCategory = .carePlanImplementation, type: DisputeType = .delay, subject: String? = nil,
               concernsOwner: Bool = false, reason: String? = nil, child: String? = nil,
               childStatus: ChildStatus? = nil) throws -> Dispute {
        let d = Dispute(ref: ref, policy: policy.name, kind: kind, category: category, type: type, division: .englandAndWales,
                        childRef: child, raisedBy: Self.actor(role),
                        events: [DisputeEvent(at: London.at(time), by: Self.actor(role), change: .opened(stage: stage))],
                        subject: subject, concernsOwner: concernsOwner, openingReason: reason, childStatus: childStatus)
        try engine.validate(opening: d)
        return d
    }

    /// The record with one more change, refused as the CLI would refuse it.
    func record(_ change: DisputeEvent.Change, at time: String, by role: String? = nil, on d: Dispute) throws -> Dispute {
        try engine.apply(DisputeEvent(at: London.at(time), by: role.map(Self.actor), change: change), to: d)
    }

    /// The refusal message of a change (nil when it is accepted).
    func refusal(_ change: DisputeEvent.Change, at time: String, by role: String? = nil, on d: Dispute) -> String? {
        do { _ = try record(change, at: time, by: role, on: d); return nil } catch { return "\(error)" }
    }

    /// The refusal message of a new record (nil when it is accepted).
    func refusal(raising make: () throws -> Dispute) -> String? {
        do { _ = try make(); return nil } catch { return "\(error)" }
    }

    func look(_ d: Dispute, at time: String, earlierForChild: Int = 0) throws -> Evaluation {
        try engine.evaluate(d, context: EngineContext(earlierRecordsForChild: earlierForChild), now: London.at(time))
    }

    /// Identities of the intents due at `time`.
    func due(_ d: Dispute, at time: String, earlierForChild: Int = 0) throws -> Set<String> {
        Set(try look(d, at: time, earlierForChild: earlierForChild).intents.map(\.identity))
    }

    /// Every identity issued by polls every `minutes` from `from` to `to` (the store keeps each once).
    func issued(_ d: Dispute, from: String, to: String, everyMinutes minutes: Int = 30) throws -> Set<String> {
        var seen = Set<String>()
        var t = London.at(from)
        let end = London.at(to)
        while t <= end {
            for i in try engine.evaluate(d, now: t).intents { seen.insert(i.identity) }
            t = t.addingTimeInterval(TimeInterval(minutes * 60))
        }
        return seen
    }
}

extension Evaluation {
    /// The intent addressed to `role` for `event` of `stage`, if due.
    func intent(_ stage: Int, _ event: String, _ role: String) -> NotificationIntent? {
        intents.first { $0.stage == stage && $0.event.name == event && $0.role == role }
    }
}

extension Policy {
    /// Every role the policy names anywhere (owners, copies, alerts, approvers, initiators ...).
    var rolesUsed: Set<String> {
        var used = Set<String>()
        for kp in kinds.values {
            used.formUnion(kp.recipients + kp.copy + kp.watchers + kp.repeatAlert)
            for s in kp.stages { used.formUnion([s.owner] + s.copy + s.breachAlert + (s.ownerIfAboutOwner.map { [$0] } ?? [])) }
            for r in kp.subjects { if let o = r.owner { used.insert(o) } }
        }
        if let s = statutory { used.formUnion(s.warn + s.breachAlert) }
        used.formUnion(pauseApprovers + extensionAgreers + bypass.notify + cafcassAlert + initiators.map(\.role) + outOfHours)
        return used
    }
}
