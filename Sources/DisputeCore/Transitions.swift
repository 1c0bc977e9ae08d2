import Foundation
import WorkingDays

// Validation of what a user records (used by the recorder before anything is written).
// Each refusal is one DomainError line: what is wrong and what to do, naming the field it concerns.

extension Engine {
    /// The most working days one extension may add (a working year): the bound on a number that
    /// comes from a user or a CSV, checked before any arithmetic on it. A policy's own
    /// `max_extension_working_days` and the statutory total usually refuse far less.
    public static let maxExtensionWorkingDays = 260

    /// Checks a new record before it is stored: its kind and stage exist in the policy, the
    /// initiator may raise at that stage, category/type/subject are allowed, and a raise above
    /// the first step respects the bypass rule.
    ///
    /// - Parameter opening: the new record; its only event is `.opened`.
    /// - Throws: `DomainError` naming the problem and the fix.
    public func validate(opening d: Dispute) throws {
        guard let kp = policy.kinds[d.kind] else {
            let known = policy.kinds.keys.map(\.rawValue).sorted().joined(separator: ", ")
            throw DomainError("policy \(policy.name) has no kind \(d.kind.rawValue); use one of: \(known)")
        }
        guard d.events.count == 1, let first = d.events.first, case .opened(let stage) = first.change else {
            throw DomainError("a new record must have exactly one event, opened; record the rest with later commands")
        }
        if kp.stages.isEmpty {
            guard stage <= 1 else { throw DomainError(field: .stage, "\(DomainError.kind(d.kind, article: true)) has no stages; raise it without \(Field.stage.mark)") }
        } else {
            guard kp.stage(stage) != nil else {
                throw DomainError(field: .stage, "stage \(stage) does not exist for \(DomainError.kind(d.kind)) in \(DomainError.policy(policy.name)); use 1 to \(kp.stages.count)")
            }
            try checkInitiator(role: d.raisedBy.role, stage: stage, kind: d.kind, childStatus: d.childStatus, raising: true)
            // Raising at the level of the record's subject row is where the document puts it: no bypass.
            let rowStage = d.subject.flatMap { kp.subject($0)?.stage }
            try checkBypass(from: rowStage == stage ? stage - 1 : 0, to: stage, reason: d.openingReason)
        }
        if !kp.categories.isEmpty && !kp.categories.contains(d.category) {
            throw DomainError(field: .category, "category \(d.category.rawValue) is not used for \(DomainError.kind(d.kind)) in \(DomainError.policy(policy.name)); use one of: \(kp.categories.map(\.rawValue).joined(separator: ", "))")
        }
        if !kp.types.isEmpty && !kp.types.contains(d.type) {
            throw DomainError(field: .type, "type \(d.type.rawValue) is not used for \(DomainError.kind(d.kind)) in \(DomainError.policy(policy.name)); use one of: \(kp.types.map(\.rawValue).joined(separator: ", "))")
        }
        if let sid = d.subject {
            guard let row = kp.subject(sid) else {
                let known = kp.subjects.map(\.id).joined(separator: ", ")
                throw DomainError(field: .subject, "subject \(sid) is not in \(DomainError.policy(policy.name)) for \(DomainError.kind(d.kind)); use one of: \(known.isEmpty ? "(none: omit \(Field.subject.mark))" : known)")
            }
            if !row.types.isEmpty && !row.types.contains(d.type) {
                throw DomainError(field: .subject, "subject \(sid) is a dispute of type \(row.types.map(\.rawValue).joined(separator: " or ")), not \(d.type.rawValue); fix \(Field.type.mark) or \(Field.subject.mark)")
            }
        } else if kp.subjectRequired {
            throw DomainError(field: .subject, "\(DomainError.policy(policy.name)) needs a subject for \(DomainError.kind(d.kind, article: true)); add \(Field.subject.mark) (one of: \(kp.subjects.map(\.id).joined(separator: ", ")))")
        }
    }

    /// Applies a user's change to a record, refusing one the policy does not allow.
    ///
    /// - Parameters:
    ///   - event: the change, with its time and who made it.
    ///   - dispute: the record as stored.
    /// - Returns: the record with the event appended.
    /// - Throws: `DomainError` with one clear line.
    public func apply(_ event: DisputeEvent, to d: Dispute) throws -> Dispute {
        guard let kp = policy.kinds[d.kind] else {
            throw DomainError("policy \(policy.name) has no kind \(d.kind.rawValue)")
        }
        if let last = d.events.last, event.at < last.at {
            throw DomainError(field: .at, "this \(event.change.name) is dated \(settings.civil.iso8601(event.at)), before the record's last event (\(settings.civil.iso8601(last.at))); use a later \(Field.at.mark)")
        }
        let plan = self.plan(d.kind)!
        let at = Int(event.at.timeIntervalSince1970.rounded(.down))
        let r = try replay(d, plan: plan, until: at)
        if let term = r.terminal {
            if case .note = event.change {} else {
                throw DomainError("\(d.ref) is \(term.rawValue); a \(term.rawValue) record cannot be \(event.change.name) (raise a new one)")
            }
        }
        switch event.change {
        case .opened:
            throw DomainError("\(d.ref) is already open; use escalate to move it to another stage")
        case .escalated(let to, let reason):
            guard let seg = r.seg else { throw DomainError("\(DomainError.kind(d.kind, article: true)) has no stages to escalate through") }
            // Every escalation is made by somebody, whose limit (and the record's) is checked.
            guard let by = event.by else {
                throw DomainError(field: .by, "every escalation is made by somebody; give \(Field.by.mark) (who escalates: role and email, e.g. iro:jo.bloggs@council.example)")
            }
            // The escalation the engine already derived on breach, recorded late: its confirmation.
            if to <= seg.stage, confirmsDerived(r, stage: to) { break }
            guard r.pausedAt == nil else { throw DomainError("\(d.ref) is paused; resume it before escalating") }
            let last = kp.stages.count
            if seg.stage == last && to >= seg.stage {
                throw DomainError("\(d.ref) is already at stage \(last), the last stage of \(DomainError.kind(d.kind, article: true)) under \(DomainError.policy(policy.name))\(seg.derived ? " (escalated on breach)" : ""); it cannot go higher: resolve it, withdraw it or refer it to CAFCASS")
            }
            guard kp.stage(to) != nil else {
                throw DomainError(field: .stage, "stage \(to) does not exist for \(DomainError.kind(d.kind)) in \(DomainError.policy(policy.name)); use \(seg.stage + 1) to \(last)")
            }
            guard to > seg.stage else {
                throw DomainError(field: .stage, "\(d.ref) is already at stage \(seg.stage)\(seg.derived ? " (escalated on breach)" : ""); escalate to a higher stage (\(seg.stage + 1) to \(last))")
            }
            try checkInitiator(role: by.role, stage: to, kind: d.kind, childStatus: d.childStatus, raising: false)
            // The record's own initiator bounds it too, whoever moves it (six-stage: a LADO's DRP goes to stage 5 only).
            if r.limit < to {
                throw DomainError(field: .stage, "\(d.ref) was raised by \(DomainError.role(d.raisedBy.role))\(statusPhrase(d.childStatus, role: d.raisedBy.role, kind: d.kind)), who may take \(DomainError.kind(d.kind, article: true)) up to stage \(r.limit) only under \(DomainError.policy(policy.name)); it cannot be escalated to stage \(to)")
            }
            try checkBypass(from: seg.stage, to: to, reason: reason)
        case .paused(let approver, _):
            guard r.seg != nil else { throw DomainError("\(DomainError.kind(d.kind, article: true)) has no deadline to pause") }
            guard r.pausedAt == nil else { throw DomainError("\(d.ref) is already paused; resume it first") }
            guard !policy.pauseApprovers.isEmpty else { throw DomainError("\(DomainError.policy(policy.name)) does not allow pauses") }
            guard policy.pauseApprovers.contains(approver.role) else {
                throw DomainError(field: .approvedBy, "a pause needs the agreement of \(DomainError.roles(policy.pauseApprovers)), not \(DomainError.role(approver.role)); give \(Field.approvedBy.mark) \(policy.pauseApprovers[0]):EMAIL")
            }
        case .resumed:
            guard r.pausedAt != nil else { throw DomainError("\(d.ref) is not paused; there is nothing to resume") }
        case .extended(let n, let agreer):
            guard let seg = r.seg else { throw DomainError("\(DomainError.kind(d.kind, article: true)) has no deadline to extend") }
            guard (1...Engine.maxExtensionWorkingDays).contains(n) else {
                throw DomainError(field: .workingDays, "an extension must add 1 to \(Engine.maxExtensionWorkingDays) working days, not \(n); agree a number in that range")
            }
            guard !policy.extensionAgreers.isEmpty else { throw DomainError("\(DomainError.policy(policy.name)) does not allow extensions") }
            guard policy.extensionAgreers.contains(agreer.role) else {
                throw DomainError(field: .agreedBy, "an extension must be agreed by \(DomainError.roles(policy.extensionAgreers)), not \(DomainError.role(agreer.role)); give \(Field.agreedBy.mark) \(policy.extensionAgreers[0]):EMAIL")
            }
            if let most = policy.maxExtensionWorkingDays, seg.extensionDays + n > most {
                throw DomainError(field: .workingDays, "\(DomainError.policy(policy.name)) allows at most \(most) working days of extension per stage; stage \(seg.stage) already has \(seg.extensionDays)")
            }
            guard case .workingDays = seg.timescale else {
                throw DomainError("stage \(seg.stage) of \(d.ref) runs on clock hours; it cannot be extended by working days")
            }
            var extended = seg
            extended.extensionDays = 0
            var rr = r
            rr.seg = extended
            let current = try deadline(plan, extended, rr, asOf: at)
            let proposed = try calendar.addWorkingDays(n + seg.extensionDays, to: current.day)
            if let sd = try statutoryDay(plan, r, asOf: at), proposed > sd {
                throw DomainError(field: .workingDays, "extending stage \(seg.stage) by \(n) working day\(n == 1 ? "" : "s") would end it on \(proposed.longDescription), past the statutory total on \(sd.longDescription); agree at most \(max(0, try calendar.workingDaysBetween(current.day, sd) - seg.extensionDays))")
            }
        case .responded(let text):
            guard let seg = r.seg else { throw DomainError("\(DomainError.kind(d.kind, article: true)) has no stages to respond to") }
            // The owner of the current (effective) stage, or someone the record lists in that role.
            let owner = plan.choiceOwnerNames[seg.choice]
            guard let by = event.by else {
                throw DomainError("a response at stage \(seg.stage) of \(d.ref) is recorded by its owner, \(DomainError.role(owner))\(DomainError.hint("; give --by \(owner):EMAIL", form: ", signed in as themselves"))")
            }
            guard by.role == owner || (d.people[owner]?.contains(by.email) ?? false) else {
                throw DomainError("a response at stage \(seg.stage) of \(d.ref) is recorded by its owner, \(DomainError.role(owner)), not \(DomainError.role(by.role))\(DomainError.hint("; give --by \(owner):EMAIL", form: ""))")
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw DomainError("a response needs its text; \(DomainError.hint("give --text \"...\"", form: "enter it")) (what the owner will do and by when)")
            }
            guard text.count <= DisputeEvent.maxTextLength else {
                throw DomainError("the response is \(text.count) characters long; keep it to \(DisputeEvent.maxTextLength) and put the rest in the case record")
            }
            guard !seg.responded else {
                throw DomainError("stage \(seg.stage) of \(d.ref) already has a response (\(day(seg.respondedAt).longDescription)); add a note instead\(DomainError.hint(" (drwatch dispute note)", form: ""))")
            }
        case .cafcassReferral:
            // "must alert the Head of Service - Safeguarding before making a referral" (four-stage);
            // "will always consult ... before making a referral to CAFCASS" (six-stage).
            if policy.cafcassNeedsIntention, !d.events.contains(where: { if case .cafcassIntended = $0.change { true } else { false } }) {
                let who = policy.cafcassIntendedAlert.map { policy.title(of: $0) }
                throw DomainError("under \(DomainError.policy(policy.name)) the \(who.joined(separator: " and ")) must be alerted before a CAFCASS referral; record the intention first (\(DomainError.hint("drwatch dispute intend-cafcass \(d.ref) --by ROLE:EMAIL --reason \"...\"", form: "“Record an intention to refer to CAFCASS” on the dispute's page"))), then the referral")
            }
        case .cafcassIntended, .note, .resolved, .withdrawn:
            break
        }
        var out = d
        out.events.append(event)
        return out
    }

    /// Whether stage `stage` was entered by a derived escalation (so an `escalated` event to it,
    /// recorded after the fact, confirms it).
    func confirmsDerived(_ r: Replay, stage: Int) -> Bool {
        var found = false
        r.derived.forEach { if $0 == stage { found = true } }
        return found
    }

    /// Whether `event` is the late record of an escalation the engine had already derived on breach
    /// (accepted as its confirmation; it moves nothing). The CLI and the import say so.
    public func confirmsDerivedEscalation(_ event: DisputeEvent, of d: Dispute) -> Bool {
        guard case .escalated(let to, _) = event.change, let plan = plan(d.kind),
              let r = try? replay(d, plan: plan, until: Int(event.at.timeIntervalSince1970.rounded(.down))),
              let seg = r.seg, to <= seg.stage else { return false }
        return confirmsDerived(r, stage: to)
    }

    /// " for a child on a child protection or child in need plan" when `role`'s limit for the kind
    /// depends on the child's status (a row with `child_status` names it), else "".
    func statusPhrase(_ status: ChildStatus?, role: String, kind: RecordKind) -> String {
        guard let status, policy.initiators.contains(where: {
            $0.role == role && $0.childStatus == status && ($0.kinds.isEmpty || $0.kinds.contains(kind))
        }) else { return "" }
        return status == .cpCin ? " for a child on a \(status.title)" : " for a child \(status.title)"
    }

    func checkInitiator(role: String, stage: Int, kind: RecordKind, childStatus: ChildStatus?, raising: Bool) throws {
        // Only the rows that cover this kind (no `kinds`: every kind with stages) limit it.
        let rows = policy.initiators.filter { $0.kinds.isEmpty || $0.kinds.contains(kind) }
        guard !rows.isEmpty else { return }
        guard let limit = KindPlan.limit(rows.map { ($0.role, $0.maxStage, $0.childStatus) }, role: role, childStatus: childStatus) else {
            if raising {
                let who = DomainError.roles(Set(rows.map(\.role)).sorted(), joinedBy: ", ")
                throw DomainError(field: .raisedBy, "\(DomainError.role(role)) may not raise \(DomainError.kind(kind, article: true)) under \(DomainError.policy(policy.name)); it is raised by: \(who)")
            }
            return
        }
        guard stage <= limit else {
            throw DomainError(field: .stage, "\(DomainError.role(role)) may \(raising ? "raise" : "escalate")\(statusPhrase(childStatus, role: role, kind: kind)) up to stage \(limit) only under \(DomainError.policy(policy.name)), not stage \(stage)")
        }
    }

    func checkBypass(from: Int, to: Int, reason: String?) throws {
        let steps = to - from
        guard steps > 1 else { return }
        let b = policy.bypass
        guard b.allowed else {
            throw DomainError(field: .stage, "\(DomainError.policy(policy.name)) moves one stage at a time; go to stage \(from + 1) first")
        }
        if steps > b.maxStepsWithoutReason && (reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true) {
            throw DomainError(field: .reason, "going from \(from == 0 ? "raising" : "stage \(from)") to stage \(to) skips stages; \(DomainError.policy(policy.name)) needs a reason for that (\(Field.reason.mark) \"...\")")
        }
    }
}
