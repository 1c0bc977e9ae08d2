import Foundation
import WorkingDays

// What a message may say about an intent, as the engine decides it: the deadline and the working
// days left as of the evaluation, and what a breach of the stage actually does (escalate, or stay
// at the raiser's initiator limit, and who is alerted). Messages show these facts; they never
// recompute them from the policy (issue 10: a message must not promise an escalation the engine
// will not make).

/// What happens when a stage's deadline passes, as the engine applies it (docs/policies.md).
public struct BreachConsequence: Equatable, Sendable {
    /// Where the record goes.
    public enum Move: Equatable, Sendable {
        /// A derived escalation to `toStage`, owned by `owner`.
        case escalates(toStage: Int, owner: String)
        /// The stage would escalate, but the record's raiser may take it no higher than `limit`
        /// (`[[initiator]] max_stage`): it stays here and its owner is alerted too.
        case staysAtInitiatorLimit(limit: Int, raisedBy: String)
        /// The stage does not escalate on breach (`on_breach = "alert"`, or the last stage).
        case stays
    }
    /// The stage that runs out.
    public var stage: Int
    public var move: Move
    /// The roles alerted of the breach (the engine's breach intents), in policy order.
    public var alerted: [String]

    public init(stage: Int, move: Move, alerted: [String]) {
        self.stage = stage; self.move = move; self.alerted = alerted
    }
}

/// An intent's deadline as of the evaluation that renders it.
public struct IntentDeadline: Equatable, Sendable {
    /// The exact instant when the evaluation has it (the current stage, the statutory total),
    /// else close of business of the intent's deadline day.
    public var due: Date
    /// Working days left as of the evaluation for a current deadline; as of the trigger for a
    /// deadline no longer current (an earlier stage's breach). Negative: overdue.
    public var workingDaysLeft: Int?
}

extension Engine {
    /// What a breach of `stage` does for `dispute`: the derived escalation the engine makes, or
    /// why it makes none, and who is alerted. The same decisions as `evaluate`.
    ///
    /// - Returns: `nil` when the kind is not in the policy or has no such stage.
    public func breachConsequence(of dispute: Dispute, stage n: Int) -> BreachConsequence? {
        guard let plan = plan(dispute.kind), n >= 1, n <= plan.stages.count else { return nil }
        let limit = plan.limit(raisedBy: dispute.raisedBy.role, childStatus: dispute.childStatus)
        let alerted = plan.names(plan.breachAlert(n, limit: limit))
        let subjectIndex = dispute.subject.map { sid in plan.subjectIDs.firstIndex { $0 == sid } ?? -1 } ?? -1
        let move: BreachConsequence.Move
        if !plan.stages[n - 1].escalates {
            move = .stays
        } else if n >= limit {
            move = .staysAtInitiatorLimit(limit: limit, raisedBy: dispute.raisedBy.role + statusPhrase(dispute.childStatus, role: dispute.raisedBy.role, kind: dispute.kind))
        } else if let next = segment(plan, concernsOwner: dispute.concernsOwner, subjectIndex: subjectIndex, stage: n + 1) {
            move = .escalates(toStage: n + 1, owner: plan.choiceOwnerNames[next.choice])
        } else {
            move = .stays
        }
        return BreachConsequence(stage: n, move: move, alerted: alerted)
    }
}

extension Evaluation {
    /// The deadline an intent of this evaluation is about, with the working days left as of the
    /// evaluation (a notice sent late must not say "5 working days left" on the due day).
    ///
    /// - Returns: `nil` when the intent has no deadline (an opening notice of a record without stages).
    public func deadline(of intent: NotificationIntent, settings: EngineSettings) -> IntentDeadline? {
        var due: Date?
        var left = intent.workingDaysLeft
        if let day = intent.deadlineDay {
            if intent.stage == 0, let d = statutoryDeadline, statutoryDeadlineDay == day { due = d }
            else if intent.stage == stage, let d = stageDeadline, stageDeadlineDay == day { due = d }
            else { due = settings.civil.instant(day, settings.closeOfBusiness) }
            if intent.stage == 0, statutoryDeadlineDay == day, let l = statutoryWorkingDaysLeft { left = l }
            else if intent.stage > 0, intent.stage == stage, stageDeadlineDay == day, let l = stageWorkingDaysLeft { left = l }
        }
        // An extension moves the current stage's deadline: the notice shows the new one.
        if case .extended = intent.event, intent.stage > 0, intent.stage == stage, let d = stageDeadline { due = d }
        return due.map { IntentDeadline(due: $0, workingDaysLeft: left) }
    }
}
