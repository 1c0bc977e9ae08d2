import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// The shipped presets, read from config/policies.
func preset(_ name: String) throws -> Policy {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/policies/\(name).toml")
    return try Policy.parse(text: String(contentsOf: url, encoding: .utf8), file: "policies/\(name).toml")
}

let london = CivilTime.london

/// A local time in Europe/London: `at("2026-11-02 10:00")`.
func at(_ text: String) -> Date {
    london.parse(text.replacingOccurrences(of: " ", with: "T"))!
}

func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

func actor(_ role: String) -> Actor { Actor(role: role, email: "\(role)@council.example") }

func engine(_ policy: Policy) throws -> Engine {
    Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
}

func record(_ kind: RecordKind = .formal, ref: String = "DR-1", policy: String = "four-stage", stage: Int = 1,
            opened: String, by role: String = "iro", subject: String? = nil, concernsOwner: Bool = false,
            openingReason: String? = nil) -> Dispute {
    Dispute(ref: ref, policy: policy, kind: kind, category: .carePlanImplementation, type: .delay, division: .englandAndWales,
            raisedBy: actor(role), events: [DisputeEvent(at: at(opened), by: actor(role), change: .opened(stage: stage))],
            subject: subject, concernsOwner: concernsOwner, openingReason: openingReason)
}

extension Engine {
    /// Applies changes in order, failing the test on a refusal.
    func applying(_ d: Dispute, _ changes: [(String, DisputeEvent.Change, String?)]) throws -> Dispute {
        var out = d
        for (time, change, role) in changes {
            out = try apply(DisputeEvent(at: at(time), by: role.map(actor), change: change), to: out)
        }
        return out
    }

    /// The identities returned by polls at the given instants (the store keeps each once).
    func identities(_ d: Dispute, context: EngineContext = EngineContext(), polls: [Date]) throws -> Set<String> {
        var seen = Set<String>()
        for now in polls { for i in try evaluate(d, context: context, now: now).intents { seen.insert(i.identity) } }
        return seen
    }
}

/// Polls every `minutes` from `from` to `to`.
func polls(from: String, to: String, everyMinutes minutes: Int) -> [Date] {
    stride(from: at(from).timeIntervalSince1970, through: at(to).timeIntervalSince1970, by: Double(minutes * 60))
        .map { Date(timeIntervalSince1970: $0) }
}

/// SplitMix64: a small deterministic generator for property tests.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
