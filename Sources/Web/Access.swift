import DisputeCore
import DisputeStore
import Notifications
import Recording
import ServiceConfig
import Foundation

// Who may see and do what: the one place of the web app's authorisation. A person is an email
// address; their roles come from the config's `[roles]` and from the disputes that name them.
// Whether an action is allowed at this moment is the engine's decision (the same checks as the
// command line): `Actions.offered` only asks it.

/// The signed-in person.
public struct Person: Sendable, Equatable {
    public var email: String
    /// The roles `[roles]` gives this address, plus those its directory groups give when it
    /// signed in by single sign-on (`[web.oidc.groups]`).
    public var configRoles: Set<String>
    /// May see the overview and reports (`[web] manager_roles`).
    public var isManager: Bool
    /// May see the outbox and retry messages (`[web] admin_roles`).
    public var isAdmin: Bool
    /// The roles this person may raise a dispute as (the policies' initiators, else `[web] raiser_roles`).
    public var raiseRoles: [String]
    public var mayRaise: Bool { !raiseRoles.isEmpty }

    init(email: String, runtime: Runtime, web: WebConfig, directoryRoles: [String] = []) {
        self.email = email
        let roles = Set(runtime.config.roles.compactMap { $0.value.contains(email) ? $0.key : nil }).union(directoryRoles)
        configRoles = roles
        isManager = !roles.isDisjoint(with: web.managerRoles)
        isAdmin = !roles.isDisjoint(with: web.adminRoles)
        var initiators: [String] = []
        var anyPolicyWithoutInitiators = false
        for name in runtime.policyNames {
            let p = runtime.policies[name]!.policy
            if p.initiators.isEmpty { anyPolicyWithoutInitiators = true }
            for row in p.initiators where !initiators.contains(row.role) { initiators.append(row.role) }
        }
        if anyPolicyWithoutInitiators { for r in web.raiserRoles where !initiators.contains(r) { initiators.append(r) } }
        raiseRoles = initiators.filter { roles.contains($0) }.sorted()
    }

    /// The roles in which `dispute` names this person: its raiser, its own people, and the
    /// `[roles]` roles for which the dispute has no person of its own (its messages for that
    /// role come to this person). Raiser first.
    func roles(on d: Dispute) -> [String] {
        var out: [String] = []
        if d.raisedBy.email == email { out.append(d.raisedBy.role) }
        for role in d.people.keys.sorted() where d.people[role]!.contains(email) && !out.contains(role) { out.append(role) }
        for role in configRoles.sorted() where (d.people[role]?.isEmpty ?? true) && !out.contains(role) { out.append(role) }
        return out
    }

    /// Whether this person may read `d`: it names them, or they are a manager.
    func maySee(_ d: Dispute) -> Bool { isManager || !roles(on: d).isEmpty }
}

/// An action the dispute page offers, with the role the person acts in.
struct OfferedAction: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case respond, escalate, pause, resume, extend, cafcass = "refer-cafcass", note, resolve, withdraw
        /// The intention to refer to CAFCASS (`drwatch dispute intend-cafcass`), alerted to the
        /// policy's `[cafcass] intended_alert` before the referral.
        case intendCafcass = "intend-cafcass"
        /// Someone who may not pause asks a pause approver to (a `pause_requests` row).
        case requestPause = "request-pause"
        /// A pause approver answers the waiting request: approve (the dispute's `paused`
        /// event) or decline.
        case approvePause = "approve-pause", declinePause = "decline-pause"
    }
    var kind: Kind
    var actor: Actor

    var title: String {
        switch kind {
        case .respond: "Record your response"
        case .escalate: "Escalate to the next stage"
        case .pause: "Pause the clock"
        case .resume: "Restart the clock"
        case .extend: "Agree an extension"
        case .cafcass: "Record a CAFCASS referral"
        case .intendCafcass: "Record an intention to refer to CAFCASS"
        case .note: "Add a note"
        case .resolve: "Record that it is resolved"
        case .withdraw: "Withdraw it"
        case .requestPause: "Ask for the clock to be paused"
        case .approvePause: "Approve the pause request"
        case .declinePause: "Decline the pause request"
        }
    }
}

enum Actions {
    /// The actions `person` may take on `d` at `now`: who may take each kind comes from the
    /// dispute and its policy (below); whether it is allowed now is the engine's answer for a
    /// probe of that change (`Runtime.apply`, as `drwatch dispute ...` uses).
    ///
    /// - Respond: the owner of the current stage (the dispute names them in that role, or
    ///   `[roles]` gives them the role and the dispute names nobody else in it).
    /// - Escalate, resolve, withdraw, CAFCASS: the raiser's side (the raiser's role on this
    ///   dispute) or a manager.
    /// - Intention to refer to CAFCASS: the raiser's side or a manager, when the policy has
    ///   people to alert of an intention (`[cafcass] intended_alert`); four-stage needs it before
    ///   the referral (`intention_first`), so the referral is offered only after it.
    /// - Pause and restart: a role the policy names as pause approver. With a pause request
    ///   waiting (`pending`), an approver is offered to approve or decline it instead of a
    ///   pause of their own.
    /// - Ask for a pause: anyone the dispute names who may not pause, when the policy allows
    ///   pauses, a pause is possible now, and no request is waiting.
    /// - Extension: a role the policy names as agreeing extensions.
    /// - Note: anyone the dispute names, or a manager.
    static func offered(to person: Person, on d: Dispute, runtime: Runtime, now: Date, pending: PauseRequestRow? = nil) -> [OfferedAction] {
        guard let engine = try? runtime.engine(for: d) else { return [] }
        let policy = engine.policy
        let named = person.roles(on: d)
        let managerRole = person.configRoles.sorted().first { runtime.config.roles[$0] != nil && person.isManager && runtime.knownRoles(policy: policy).contains($0) }
        func actor(_ roles: [String]) -> Actor? {
            roles.first.map { Actor(role: $0, email: person.email) }
        }
        let raiserSide = named.contains(d.raisedBy.role) ? [d.raisedBy.role] : (managerRole.map { [$0] } ?? [])
        let approver = named.filter { policy.pauseApprovers.contains($0) } + person.configRoles.filter { policy.pauseApprovers.contains($0) }.sorted()
        let agreer = named.filter { policy.extensionAgreers.contains($0) } + person.configRoles.filter { policy.extensionAgreers.contains($0) }.sorted()
        let noter = named.isEmpty ? (managerRole.map { [$0] } ?? []) : named

        let evaluation = try? runtime.evaluate(d, now: now)
        let stage = evaluation?.stage ?? 0
        let owner = evaluation?.owner.flatMap { named.contains($0) ? [$0] : nil } ?? []
        var out: [OfferedAction] = []
        func probe(_ kind: OfferedAction.Kind, _ who: Actor?, _ change: (Actor) -> DisputeEvent.Change) {
            guard let who else { return }
            if (try? runtime.apply(DisputeEvent(at: now, by: who, change: change(who)), to: d)) != nil {
                out.append(OfferedAction(kind: kind, actor: who))
            }
        }
        probe(.respond, actor(owner)) { _ in .responded(text: "probe") }
        probe(.escalate, actor(raiserSide)) { _ in .escalated(toStage: stage + 1, reason: nil) }
        probe(.pause, actor(approver)) { a in .paused(approvedBy: a, reason: "probe") }
        probe(.resume, actor(approver + raiserSide)) { _ in .resumed }
        probe(.extend, actor(agreer)) { a in .extended(workingDays: 1, agreedBy: a) }
        if !policy.cafcassIntendedAlert.isEmpty {
            probe(.intendCafcass, actor(raiserSide)) { _ in .cafcassIntended(reason: "probe") }
        }
        probe(.cafcass, actor(raiserSide)) { _ in .cafcassReferral }
        probe(.resolve, actor(raiserSide)) { _ in .resolved(outcome: "probe") }
        probe(.withdraw, actor(raiserSide)) { _ in .withdrawn(reason: "probe") }
        probe(.note, actor(noter)) { _ in .note("probe") }
        if let paused = out.firstIndex(where: { $0.kind == .pause }) {
            if pending != nil {
                // First on the page: the request is what the approver came for.
                let who = out.remove(at: paused).actor
                out.insert(contentsOf: [OfferedAction(kind: .approvePause, actor: who), OfferedAction(kind: .declinePause, actor: who)], at: 0)
            }
        } else if pending == nil, let approverRole = policy.pauseApprovers.first, let asker = actor(named) {
            // Whether an approver could pause now (the engine's answer); the asker acts in their own role.
            let probeApprover = Actor(role: approverRole, email: person.email)
            if (try? runtime.apply(DisputeEvent(at: now, by: probeApprover, change: .paused(approvedBy: probeApprover, reason: "probe")), to: d)) != nil {
                out.append(OfferedAction(kind: .requestPause, actor: asker))
            }
        }
        return out
    }
}
