import ServiceConfig
import DisputeCore
import Foundation
import WorkingDays

// Recording disputes: the checks the recorder (Recorder.swift) applies to every write, so that a
// dispute typed at the command line, one read from a CSV export and one from the web are held to
// the same rules. Every refusal is a `DomainError`: one line, what is wrong and how to fix it,
// naming the field it concerns (exit 65).

/// What a new record is opened with, as the user gave it (text is checked here).
public struct OpeningFields: Sendable {
    public var ref: String
    public var policy: String
    public var kind: String
    /// `nil`: stage 1.
    public var stage: Int?
    public var category: String
    public var type: String
    public var raisedBy: Actor
    public var at: Date
    /// `nil`: the config's division.
    public var division: String?
    public var team: String?
    public var childRef: String?
    public var subject: String?
    public var concernsOwner: Bool
    /// Why the record is raised above the first step (a bypass on raising).
    public var reason: String?
    /// The dispute's own people, in order.
    public var people: [(role: String, email: String)]
    /// The child's status for the initiator limits (`cp-cin`, `other`); `nil`: not recorded.
    public var childStatus: String?

    public init(ref: String, policy: String, kind: String, stage: Int? = nil, category: String, type: String, raisedBy: Actor,
                at: Date, division: String? = nil, team: String? = nil, childRef: String? = nil, subject: String? = nil,
                concernsOwner: Bool = false, reason: String? = nil, people: [(role: String, email: String)] = [],
                childStatus: String? = nil) {
        self.ref = ref; self.policy = policy; self.kind = kind; self.stage = stage; self.category = category; self.type = type
        self.raisedBy = raisedBy; self.at = at; self.division = division; self.team = team; self.childRef = childRef
        self.subject = subject; self.concernsOwner = concernsOwner; self.reason = reason; self.people = people
        self.childStatus = childStatus
    }
}

/// The characters a case reference, a child's reference or a team name may hold.
public let referenceCharacterRule = "1 to 64 characters: letters A-Z a-z, digits, spaces and - _ / . : only, no space at either end"

/// Why a case reference (or a child's reference, or a team name: `what`) is not acceptable, or
/// `nil` when it is: `referenceCharacterRule`. These values appear in mail, reports, logs and
/// terminals, so they are kept to characters that no output format reads as markup.
/// (A child is known to drwatch by this reference only.)
public func referenceProblem(_ ref: String, what: String = "case reference") -> String? {
    if ref.isEmpty { return "the \(what) is empty (use \(referenceCharacterRule))" }
    let scalars = ref.unicodeScalars
    if scalars.count > 64 { return "the \(what) is longer than 64 characters (use \(referenceCharacterRule))" }
    if let bad = scalars.first(where: { !isReferenceScalar($0) }) {
        let shown = bad.value < 0x7F && bad.value >= 0x20 ? "'\(bad)'" : "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(4)
        return "the \(what) contains \(shown); use \(referenceCharacterRule)"
    }
    if scalars.first == " " || scalars.last == " " { return "the \(what) starts or ends with a space (use \(referenceCharacterRule))" }
    return nil
}

private func isReferenceScalar(_ c: Unicode.Scalar) -> Bool {
    switch c {
    case "A"..."Z", "a"..."z", "0"..."9", " ", "-", "_", "/", ".", ":": true
    default: false
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Parses `role=email` (`--person`, the CSV `people` cell); `nil` when malformed.
public func parsePerson(_ text: some StringProtocol) -> (role: String, email: String)? {
    guard let eq = text.firstIndex(of: "=") else { return nil }
    let role = String(text[..<eq]), email = String(text[text.index(after: eq)...])
    guard !role.isEmpty, isPlausibleEmail(email) else { return nil }
    return (role, email)
}

extension Runtime {
    /// Builds and checks a new record: known policy, kind, category, type, division and roles;
    /// then the policy's own rules (stage, initiator limits, bypass, subject) through the engine.
    ///
    /// - Parameter f: the fields as given.
    /// - Returns: the record, with its single `.opened` event.
    /// - Throws: `DomainError` naming the first problem.
    public func opening(_ f: OpeningFields) throws -> Dispute {
        if let problem = referenceProblem(f.ref) { throw DomainError(field: .ref, "\(problem); give the dispute's case reference") }
        if let child = f.childRef, let problem = referenceProblem(child, what: "child's case reference") {
            throw DomainError(field: .childRef, "\(problem); give the child's case reference only, never a name")
        }
        if let team = f.team, !team.isEmpty, let problem = referenceProblem(team, what: "team name") {
            throw DomainError(field: .team, "\(problem); give the team's short name")
        }
        guard let kind = RecordKind(rawValue: f.kind) else {
            throw DomainError(field: .kind, "unknown kind \(f.kind); use one of: \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let category = IssueCategory(rawValue: f.category) else {
            throw DomainError(field: .category, "unknown category \(f.category); use one of: \(IssueCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let type = DisputeType(rawValue: f.type) else {
            throw DomainError(field: .type, "unknown type \(f.type); use P (practice), R (resources) or D (delay/drift)")
        }
        var division = config.division
        if let d = f.division {
            guard let known = Division(rawValue: d) else {
                throw DomainError(field: .division, "unknown division \(d); use one of: \(Division.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            division = known
        }
        var childStatus: ChildStatus?
        if let text = f.childStatus, !text.isEmpty {
            guard let known = ChildStatus(rawValue: text) else {
                throw DomainError(field: .childStatus, "unknown child's status \(text.prefix(40)); use cp-cin (a child protection or child in need plan) or other (a child in care, or any other)")
            }
            childStatus = known
        }
        guard policies[f.policy] != nil else {
            throw DomainError(field: .policy, "unknown policy \(f.policy); the config loads: \(policyNames.joined(separator: ", "))")
        }
        let engine = try engine(policy: f.policy, division: division)
        var people: [String: [String]] = [:]
        for p in f.people where !(people[p.role]?.contains(p.email) ?? false) { people[p.role, default: []].append(p.email) }
        let reason = f.reason.flatMap { $0.isEmpty ? nil : $0 }
        let dispute = Dispute(ref: f.ref, policy: f.policy, kind: kind, category: category, type: type, division: division,
                              childRef: f.childRef, team: f.team.flatMap { $0.isEmpty ? nil : $0 }, raisedBy: f.raisedBy,
                              people: people, events: [DisputeEvent(at: f.at, by: f.raisedBy,
                                                                     change: .opened(stage: f.stage ?? engine.policy.openingStage(kind: kind, subject: f.subject)))],
                              subject: f.subject.flatMap { $0.isEmpty ? nil : $0 }, concernsOwner: f.concernsOwner,
                              openingReason: reason, childStatus: childStatus)
        try checkRoles(of: dispute, policy: engine.policy)
        try engine.validate(opening: dispute)
        return dispute
    }

    /// Checks a change against the record's policy and returns the record with it appended.
    ///
    /// - Throws: `DomainError`: the policy is no longer loaded, a role is unknown to it, or the
    ///   engine refuses the transition.
    public func apply(_ event: DisputeEvent, to dispute: Dispute) throws -> Dispute {
        let engine = try engine(for: dispute)
        try checkRole(event.by, for: .by, policy: engine.policy)
        switch event.change {
        case .paused(let approver, _): try checkRole(approver, for: .approvedBy, policy: engine.policy)
        case .extended(_, let agreer): try checkRole(agreer, for: .agreedBy, policy: engine.policy)
        default: break
        }
        return try engine.apply(event, to: dispute)
    }
}
