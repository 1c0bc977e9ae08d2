import Foundation
import WorkingDays

// The vocabulary shared by every module. The engine (Engine.swift) and the policies
// (Policy.swift) build on it; the store persists it; delivery renders it.

/// Kinds of record a policy can describe.
public enum RecordKind: String, CaseIterable, Codable, Sendable {
    case qopAlert = "qop-alert"
    case goodPractice = "good-practice"
    case formal
    case collective
    case complaint
}

/// The four families of issue in the national standards for IRO challenge.
public enum IssueCategory: String, CaseIterable, Codable, Sendable {
    case general
    case statutoryRequirements = "statutory-requirements"
    case carePlanImplementation = "care-plan-implementation"
    case provisionOfServices = "provision-of-services"
}

/// Practice, Resources, or Delay/drift.
public enum DisputeType: String, CaseIterable, Codable, Sendable {
    case practice = "P"
    case resources = "R"
    case delay = "D"
}

/// The child's plan, as far as an initiator limit cares (six-stage DRP: "IROs can raise DRPs up to
/// stage 6, for children in our care. They can raise DRPs up to stage 5 for children supported
/// through a child protection or child in need plan"). Recorded on the dispute (`--child-status`).
public enum ChildStatus: String, CaseIterable, Codable, Sendable {
    /// Supported through a child protection or child in need plan.
    case cpCin = "cp-cin"
    /// Any other status (a child in care, a care leaver, ...).
    case other

    /// For people to read: "a child protection or child in need plan".
    public var title: String {
        switch self {
        case .cpCin: "child protection or child in need plan"
        case .other: "not on a child protection or child in need plan"
        }
    }
}

/// A person acting in a role, written `ROLE:EMAIL` on the command line.
public struct Actor: Hashable, Codable, Sendable, CustomStringConvertible {
    public var role: String
    public var email: String
    public init(role: String, email: String) { self.role = role; self.email = email }

    /// Parses `ROLE:EMAIL`; `nil` when either part is missing or the address is not plausible.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let role = String(text[..<colon]), email = String(text[text.index(after: colon)...])
        guard !role.isEmpty, isPlausibleEmail(email) else { return nil }
        self.init(role: role, email: email)
    }
    public var description: String { "\(role):\(email)" }
}

/// A conservative address check: one `@`, no spaces or control characters, no CR/LF.
public func isPlausibleEmail(_ s: String) -> Bool {
    let parts = s.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), s.count <= 254 else { return false }
    return s.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && !"<>()[],;\"\\".unicodeScalars.contains($0) }
}

/// One change in a dispute's life. The current state derives from the ordered history.
public struct DisputeEvent: Hashable, Codable, Sendable {
    /// When it happened (as recorded by the user; may be backdated with `--at`).
    public var at: Date
    /// Who did it, when known (`--by ROLE:EMAIL`); `nil` for changes made by drwatch itself.
    public var by: Actor?
    public var change: Change

    public init(at: Date, by: Actor? = nil, change: Change) { self.at = at; self.by = by; self.change = change }

    /// The longest free text an event may carry (a response, ...): more belongs in the case record.
    public static let maxTextLength = 4000

    public enum Change: Hashable, Codable, Sendable {
        /// The record was raised, at the given stage (1-based).
        case opened(stage: Int)
        /// Moved to a higher stage; a move of more than one stage is a bypass.
        case escalated(toStage: Int, reason: String?)
        /// The clock stopped with the agreement of `approvedBy`.
        case paused(approvedBy: Actor, reason: String)
        /// The clock restarted.
        case resumed
        /// The current stage's timescale was extended, agreed with the IRO.
        case extended(workingDays: Int, agreedBy: Actor)
        /// A free-text note.
        case note(String)
        /// A referral to CAFCASS was made.
        case cafcassReferral
        /// The current stage's owner responded (what they will do, and by when); the raiser decides next.
        case responded(text: String)
        /// The intention to refer to CAFCASS, alerted (or consulted on) before the referral.
        case cafcassIntended(reason: String?)
        /// Closed with an outcome.
        case resolved(outcome: String)
        /// Closed without an outcome.
        case withdrawn(reason: String)

        /// The kind of change, whose name is used in the store, the CSV import, the CLI and JSON.
        public var kind: EventKind {
            switch self {
            case .opened: .opened
            case .escalated: .escalated
            case .paused: .paused
            case .resumed: .resumed
            case .extended: .extended
            case .note: .note
            case .cafcassReferral: .cafcassReferral
            case .responded: .responded
            case .cafcassIntended: .cafcassIntended
            case .resolved: .resolved
            case .withdrawn: .withdrawn
            }
        }

        /// The name used in the store, the CLI and JSON (`opened`, `escalated`, ...): `kind.rawValue`.
        public var name: String { kind.rawValue }
    }
}

/// The kinds of change to a dispute, by the one name each has everywhere: the store's `event`
/// column, the CSV import's `event` column, the CLI and JSON. The names are a contract (stored
/// rows and users' files carry them): add a kind, never rename one. A new kind is added here and
/// in `DisputeEvent.Change`; the compiler then points at the store and the import.
public enum EventKind: String, CaseIterable, Sendable {
    case opened
    case escalated
    case responded
    case paused
    case resumed
    case extended
    case note
    case cafcassIntended = "cafcass-intended"
    case cafcassReferral = "cafcass-referral"
    case resolved
    case withdrawn

    /// "opened, escalated, ... resolved or withdrawn": every name, for messages about an unknown one.
    public static var namesForMessages: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// A dispute (or any record a policy describes) and its whole history.
///
/// A child is identified by `ref` (the case reference) only; drwatch stores no names.
public struct Dispute: Hashable, Codable, Sendable {
    /// The case reference of the dispute; unique in the store.
    public var ref: String
    /// The name of the policy preset (`four-stage`, ...).
    public var policy: String
    public var kind: RecordKind
    public var category: IssueCategory
    public var type: DisputeType
    public var division: Division
    /// The case reference of the child, when several records concern one child (repeat alerts).
    /// Defaults to `ref`.
    public var childRef: String
    /// The social-work team, for reports.
    public var team: String?
    /// Who raised it.
    public var raisedBy: Actor
    /// The dispute's own people: role -> addresses (its Team Manager, its IRO, ...).
    public var people: [String: [String]]
    /// Ordered by time; the first is `.opened`.
    public var events: [DisputeEvent]
    /// The subject row of the policy's timescale table (`--subject`), which sets the timescale and
    /// owner of one stage (timescales by dispute type); `nil` when the policy has none.
    public var subject: String?
    /// The concern is about the stage's usual owner (a Quality of Practice alert about the Team
    /// Manager goes to the Service Manager): the stage's `owner_if_about_owner` acts instead.
    public var concernsOwner: Bool
    /// Why the record was raised above the first step (a bypass on raising), when it was.
    public var openingReason: String?
    /// The child's status as the initiator limits read it (`--child-status`); `nil`: not recorded.
    public var childStatus: ChildStatus?

    public init(ref: String, policy: String, kind: RecordKind, category: IssueCategory, type: DisputeType,
                division: Division, childRef: String? = nil, team: String? = nil, raisedBy: Actor,
                people: [String: [String]] = [:], events: [DisputeEvent],
                subject: String? = nil, concernsOwner: Bool = false, openingReason: String? = nil,
                childStatus: ChildStatus? = nil) {
        self.ref = ref; self.policy = policy; self.kind = kind; self.category = category; self.type = type
        self.division = division; self.childRef = childRef ?? ref; self.team = team; self.raisedBy = raisedBy
        self.people = people; self.events = events
        self.subject = subject; self.concernsOwner = concernsOwner; self.openingReason = openingReason
        self.childStatus = childStatus
    }

    private enum CodingKeys: String, CodingKey {
        case ref, policy, kind, category, type, division, childRef, team, raisedBy, people, events
        case subject, concernsOwner, openingReason, childStatus
    }

    // Written by hand so that records stored before `subject`/`concernsOwner`/`openingReason`
    // existed still decode (the three are optional in the encoded form).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ref = try c.decode(String.self, forKey: .ref)
        policy = try c.decode(String.self, forKey: .policy)
        kind = try c.decode(RecordKind.self, forKey: .kind)
        category = try c.decode(IssueCategory.self, forKey: .category)
        type = try c.decode(DisputeType.self, forKey: .type)
        division = try c.decode(Division.self, forKey: .division)
        childRef = try c.decode(String.self, forKey: .childRef)
        team = try c.decodeIfPresent(String.self, forKey: .team)
        raisedBy = try c.decode(Actor.self, forKey: .raisedBy)
        people = try c.decode([String: [String]].self, forKey: .people)
        events = try c.decode([DisputeEvent].self, forKey: .events)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        concernsOwner = try c.decodeIfPresent(Bool.self, forKey: .concernsOwner) ?? false
        openingReason = try c.decodeIfPresent(String.self, forKey: .openingReason)
        childStatus = try c.decodeIfPresent(ChildStatus.self, forKey: .childStatus)
    }
}

/// An error in a user's request that the domain refuses (exit 65): says what and how to fix.
///
/// When it concerns one field of the request, `field` names it and the message marks where the
/// field is named (`Field.mark`): each front end renders it with `message(naming:)` (the CLI
/// prints its option, `--approved-by`; a web form attaches the message to its field).
public struct DomainError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The field the refusal concerns, when it concerns one.
    public var field: Field?
    /// The message, with `Field.mark` where a field is named.
    public var template: String

    public init(_ description: String) { self.field = nil; self.template = description }
    public init(field: Field?, _ template: String) { self.field = field; self.template = template }

    /// The message with each marked field named by `name`, and each marked role (`role(_:)`)
    /// by `roles` (the command line: the slug it takes; a web page: the role's title).
    /// And each marked term (`policy(_:)`, `kind(_:article:)`, `hint(_:form:)`) by `terms`
    /// (the command line: `Term.commandLine`, what it always said; a web page: titles and the
    /// form's words).
    public func message(naming name: (Field) -> String, roles: (String) -> String = { $0 },
                        terms: (Term) -> String = { $0.commandLine }) -> String {
        guard template.utf8.contains(where: { $0 == 1 || $0 == 3 || $0 == 5 }) else { return template }
        var out = ""
        var rest = Self.resolvingTerms(template, terms)[...]
        while let open = rest.firstIndex(where: { $0 == "\u{1}" || $0 == "\u{3}" }) {
            let isRole = rest[open] == "\u{3}"
            guard let close = rest[open...].firstIndex(of: isRole ? "\u{4}" : "\u{2}") else { break }
            out += rest[..<open]
            let raw = String(rest[rest.index(after: open)..<close])
            out += isRole ? roles(raw) : (Field(rawValue: raw).map(name) ?? raw)
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The template with each marked term replaced by `say(term)` (which may hold field and role marks).
    static func resolvingTerms(_ template: String, _ say: (Term) -> String) -> String {
        guard template.utf8.contains(5) else { return template }
        var out = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "\u{5}"), let close = rest[open...].firstIndex(of: "\u{6}") {
            out += rest[..<open]
            let parts = rest[rest.index(after: open)..<close].split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            let term: Term? = switch (parts.first, parts.count) {
            case ("p", 2): .policy(parts[1])
            case ("k", 2): .kind(parts[1], article: false)
            case ("a", 2): .kind(parts[1], article: true)
            case ("h", 3): .hint(commandLine: parts[1], form: parts[2])
            default: nil
            }
            out += term.map(say) ?? parts.dropFirst().first ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Where procedure `name` is named inside a message (a page says the policy's title).
    public static func policy(_ name: String) -> String { "\u{5}p\u{1F}\(name)\u{6}" }

    /// Where a kind is named inside a message, `article`: with "a" before it (a page says the
    /// kind's title, with "a" or "an").
    public static func kind(_ kind: RecordKind, article: Bool = false) -> String {
        "\u{5}\(article ? "a" : "k")\u{1F}\(kind.rawValue)\u{6}"
    }

    /// How to fix a refusal, in the command line's words and in a form's (a page has no
    /// `--by` to give).
    public static func hint(_ commandLine: String, form: String) -> String { "\u{5}h\u{1F}\(commandLine)\u{1F}\(form)\u{6}" }

    /// Where `role` is named inside a message, so that each front end names it its own way
    /// (`message(naming:roles:)`); a role a user must type (`ROLE:EMAIL`) stays unmarked.
    public static func role(_ role: String) -> String { "\u{3}\(role)\u{4}" }

    /// Marked roles, joined: `a or b`.
    public static func roles(_ roles: [String], joinedBy separator: String = " or ") -> String {
        roles.map(role).joined(separator: separator)
    }

    /// The message with each marked field named by its `label`, roles by their slugs.
    public var description: String { message(naming: \.label) }

    /// Two refusals are the same when they concern the same field and read the same (roles
    /// marked or not).
    public static func == (a: DomainError, b: DomainError) -> Bool { a.field == b.field && a.description == b.description }
}

/// A term a refusal names that each front end says its own way (`DomainError.message(naming:roles:terms:)`).
public enum Term: Equatable, Sendable {
    /// A procedure, by its name (`four-stage`); a page says its title.
    case policy(String)
    /// A kind of record by its name (`formal`), with "a" before it when `article`.
    case kind(String, article: Bool)
    /// How to fix it: the command line's words, and a form's.
    case hint(commandLine: String, form: String)

    /// How the command line and the import say it (what they always said).
    public var commandLine: String {
        switch self {
        case .policy(let name): name
        case .kind(let kind, let article): article ? "a \(kind)" : kind
        case .hint(let words, _): words
        }
    }
}

/// The part of a request that an error concerns, so that each front end names it its own way:
/// the command line prints its option (`--approved-by`), a CSV import its column, a web form
/// attaches the message to the field. (`DomainError.field`, `DomainError.message(naming:)`.)
public enum Field: String, Sendable, Hashable, CaseIterable {
    case ref, policy, kind, stage, category, type, raisedBy, by, at, division, team, childRef, subject, aboutOwner, reason, people
    case childStatus
    case approvedBy, agreedBy, workingDays, outcome, note

    /// How a message names the field when the front end does not (`DomainError.description`).
    public var label: String {
        switch self {
        case .ref: "case reference"
        case .childRef: "child's case reference"
        case .childStatus: "child's status"
        case .raisedBy: "raised by"
        case .by: "who acted"
        case .aboutOwner: "about owner"
        case .approvedBy: "approved by"
        case .agreedBy: "agreed by"
        case .workingDays: "working days"
        default: rawValue
        }
    }

    /// Where `field` is named inside a `DomainError` message: `message(naming:)` puts the front
    /// end's name for it there.
    public var mark: String { "\u{1}\(rawValue)\u{2}" }
}
