import WorkingDays

// The policy compiled per kind for the hot path: role codes and integers, computed once per engine.

/// What the engine needs of one kind, computed once per policy: plain values and tables of
/// role codes, so that the hot path reads integers and retains nothing.
final class KindPlan: Sendable {
    struct Stage {
        var owner: UInt16
        var ownerIfAboutOwner: UInt16     // Interned.none: not applicable
        var timescale: Timescale
        var remindOnOpening: Bool
        var escalates: Bool
        var remindWorkingDaysLeft: Range<Int>   // into `ints`
        var remindHoursLeft: Range<Int>         // into `ints`
        var breachAlert: RoleList                // copied: the stage's copy list
        /// An escalating stage at the raiser's initiator limit alerts instead: its owner and the breach roles.
        var breachAlertAtLimit: RoleList
        var choices: Range<Int>                  // the owners it may have, into `choices`
        /// Remind the raiser to decide this many working days after a response (0: never).
        var decisionWorkingDays: Int
        /// Its deadline is never cut short by the statutory total.
        var beyondStatutoryTotal = false
    }
    struct Choice {
        var owner: UInt16
        /// `[owner]` with the stage's opening copy list (its copy list and the kind's watchers).
        var opening: RoleList
        /// `[owner]` with the stage's copy list (reminders).
        var routine: RoleList
    }
    struct Subject {
        var stage: Int
        var owner: UInt16                 // Interned.none: the stage's owner
        var timescale: Timescale
        var remindHoursLeft: Range<Int>   // into `ints`; hour-based rows
    }

    let stages: [Stage]
    let stageNames: [String]
    let choices: [Choice]
    let choiceOwnerNames: [String]
    let subjects: [Subject]
    let subjectIDs: [String]
    let roles: [UInt16]
    let ints: [Int32]
    let recipients: RoleList
    let repeatAlert: RoleList
    let cafcassAlert: RoleList
    let cafcassIntendedAlert: RoleList
    let extensionNotify: RoleList
    /// The kind's watchers, told when a record is resolved or withdrawn.
    let watchers: RoleList
    /// `[out_of_hours] notify`: hour-based notices that fall outside working hours go to them too.
    let outOfHours: RoleList
    let bypassNotify: RoleList
    /// The statutory rule applies to this kind.
    let hasStatutoryRule: Bool
    /// The statutory total in working days (0: none) and the stage it counts from.
    let statTotal: Int
    let statFrom: Int
    let statWarnFirst: Int?
    let statWarnDays: Range<Int>
    let statWarn: RoleList
    let statBreachAlert: RoleList

    init(_ kp: KindPolicy, policy: Policy) {
        let interned = Interned.shared
        var roles: [UInt16] = []
        var ints: [Int32] = []
        func list(_ to: [String], copy: [String]) -> RoleList {
            let start = roles.count
            roles += to.map { interned.code($0) }
            return RoleList(start: start, count: to.count, firstCopy: interned.code(list: copy.filter { !to.contains($0) }))
        }
        func numbers(_ xs: [Int]) -> Range<Int> {
            let start = ints.count
            ints += xs.map { Int32($0) }
            return start..<ints.count
        }
        func code(_ s: String?) -> UInt16 { s.map { interned.code($0) } ?? Interned.none }

        var stages: [Stage] = [], choices: [Choice] = [], choiceOwnerNames: [String] = []
        for sp in kp.stages {
            var openingCopy = sp.copy
            for w in kp.watchers where !openingCopy.contains(w) && w != sp.owner { openingCopy.append(w) }
            var owners = [sp.owner]
            if let o = sp.ownerIfAboutOwner, !owners.contains(o) { owners.append(o) }
            for row in kp.subjects where row.stage == sp.number {
                if let o = row.owner, !owners.contains(o) { owners.append(o) }
            }
            let first = choices.count
            for o in owners {
                choices.append(Choice(owner: interned.code(o), opening: list([o], copy: openingCopy), routine: list([o], copy: sp.copy)))
                choiceOwnerNames.append(o)
            }
            stages.append(Stage(owner: interned.code(sp.owner), ownerIfAboutOwner: code(sp.ownerIfAboutOwner), timescale: sp.timescale,
                                remindOnOpening: sp.remindOnOpening, escalates: sp.onBreach == .escalate,
                                remindWorkingDaysLeft: numbers(sp.remindWorkingDaysLeft), remindHoursLeft: numbers(sp.remindHoursLeft),
                                breachAlert: list(sp.breachAlert, copy: sp.copy),
                                breachAlertAtLimit: list(sp.breachAlert.contains(sp.owner) ? sp.breachAlert : [sp.owner] + sp.breachAlert,
                                                         copy: sp.copy),
                                choices: first..<choices.count, decisionWorkingDays: sp.decisionWorkingDays ?? 0,
                                beyondStatutoryTotal: sp.beyondStatutoryTotal))
        }
        self.stages = stages
        self.stageNames = kp.stages.map(\.name)
        self.choices = choices
        self.choiceOwnerNames = choiceOwnerNames
        self.subjects = kp.subjects.map {
            Subject(stage: $0.stage, owner: code($0.owner), timescale: $0.timescale, remindHoursLeft: numbers($0.remindHoursLeft))
        }
        self.subjectIDs = kp.subjects.map(\.id)
        self.recipients = list(kp.recipients, copy: kp.copy)
        self.repeatAlert = list(kp.repeatAlert, copy: [])
        self.cafcassAlert = list(policy.cafcassAlert, copy: [])
        self.cafcassIntendedAlert = list(policy.cafcassIntendedAlert, copy: [])
        self.extensionNotify = list(policy.extensionNotify, copy: [])
        self.watchers = list(kp.watchers, copy: [])
        self.outOfHours = list(policy.outOfHours, copy: [])
        self.bypassNotify = list(policy.bypass.notify, copy: [])
        let statutory = policy.statutory(for: kp.kind)
        self.hasStatutoryRule = statutory != nil
        self.statTotal = statutory?.workingDays ?? 0
        self.statFrom = statutory?.fromStage ?? 1
        self.statWarnFirst = statutory?.warnWorkingDaysLeft.first
        self.statWarnDays = numbers(statutory?.warnWorkingDaysLeft ?? [])
        self.statWarn = list(statutory?.warn ?? [], copy: [])
        self.statBreachAlert = list(statutory?.breachAlert ?? [], copy: [])
        // One-role lists for every role of the policy (the raiser of a record, told of a response).
        var singles: [UInt16: RoleList] = [:]
        for role in policy.roles where singles[interned.code(role)] == nil { singles[interned.code(role)] = list([role], copy: []) }
        self.singles = singles
        self.roles = roles
        self.ints = ints
        // Stage names are interned too, for batch results.
        self.stageNameCodes = kp.stages.map { interned.code($0.name) }
        self.limits = kp.stages.isEmpty ? [] :
            policy.initiators.filter { $0.kinds.isEmpty || $0.kinds.contains(kp.kind) }.map { ($0.role, $0.maxStage, $0.childStatus) }
    }

    let stageNameCodes: [UInt16]

    /// `[role]` for each role of the policy, by interned code.
    let singles: [UInt16: RoleList]

    /// The list `[role]` (empty when the policy does not know the role).
    func single(_ role: String) -> RoleList {
        singles[Interned.shared.code(role)] ?? RoleList(start: 0, count: 0, firstCopy: 0)
    }

    /// The initiator limits of this kind (`[[initiator]]` rows that apply to it).
    let limits: [(role: String, maxStage: Int, childStatus: ChildStatus?)]

    /// The highest stage a record raised (or escalated) by `role` may reach, for a child with
    /// `childStatus`: the role's rows for that status when it has any, else its rows for any status.
    @inline(__always) func limit(raisedBy role: String, childStatus: ChildStatus? = nil) -> Int {
        if limits.isEmpty { return .max }
        return Self.limit(limits, role: role, childStatus: childStatus) ?? .max
    }

    /// The limit of `role` among `rows` for a child with `childStatus`, or nil when no row names the role.
    static func limit(_ rows: [(role: String, maxStage: Int, childStatus: ChildStatus?)], role: String, childStatus: ChildStatus?) -> Int? {
        var most = -1, mostOfStatus = -1
        // Lengths first: most rows name another role, and comparing unequal strings is the slow path.
        let length = role.utf8.count
        for l in rows where l.role.utf8.count == length && l.role == role {
            if l.childStatus == nil { most = max(most, l.maxStage) }
            else if l.childStatus == childStatus { mostOfStatus = max(mostOfStatus, l.maxStage) }
        }
        if mostOfStatus >= 0 { return mostOfStatus }
        return most < 0 ? nil : most
    }

    /// Who is alerted when stage `n` runs out, for a record whose derived escalations stop at `limit`.
    @inline(__always) func breachAlert(_ n: Int, limit: Int) -> RoleList {
        let st = stages[n - 1]
        return st.escalates && n >= limit ? st.breachAlertAtLimit : st.breachAlert
    }

    /// The role names of a list (for explanations).
    func names(_ l: RoleList) -> [String] { (l.start..<l.start + l.count).map { Interned.shared.name(roles[$0]) } }
}

extension KindPlan {
    /// Every role this kind's notices can address or copy, read from the compiled role lists the
    /// engine sends to. The raiser's own notices (the response, the decision reminder) are left out:
    /// they go to the raiser's address on the dispute, never to the directory.
    func notifiableRoles(into names: inout Set<String>) {
        let interned = Interned.shared
        var lists = [recipients, repeatAlert, cafcassAlert, cafcassIntendedAlert, extensionNotify, bypassNotify, watchers, outOfHours,
                     statWarn, statBreachAlert]
        for c in choices { lists += [c.opening, c.routine] }
        for s in stages { lists += [s.breachAlert, s.breachAlertAtLimit] }
        for l in lists {
            for i in l.start..<l.start + l.count { names.insert(interned.name(roles[i])) }
            if l.firstCopy != 0 { names.formUnion(interned.list(l.firstCopy)) }
        }
    }
}

extension Policy {
    /// Every role the engine can notify under this policy (addressed or copied), from the compiled
    /// policy, so that `drwatch check-config` covers exactly what the engine sends to: stage owners
    /// and copies, watchers, breach alerts, repeat, bypass, CAFCASS referral and intention,
    /// extension notices, statutory warnings and breaches. A new notice list in `KindPlan` belongs here.
    public var notifiableRoles: Set<String> {
        var names = Set<String>()
        for kind in RecordKind.allCases {
            guard let kp = kinds[kind] else { continue }
            KindPlan(kp, policy: self).notifiableRoles(into: &names)
        }
        return names
    }
}
