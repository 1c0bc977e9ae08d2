import Foundation

/// Who must act on a dispute now: one decision for every page and list that says it (the
/// dispute page's "Waiting for", My work, the overview's column and filter).
///
/// - The stage is open and unanswered: its owner must respond (`Evaluation.owner`).
/// - The owner responded (`responded` event): the raiser decides, resolve or escalate.
/// - Paused: nobody; nothing is due until the clock restarts.
/// - Resolved or withdrawn, or a record without stages: nobody.
///
/// A pause request that waits for an answer (a web request, stored beside the dispute) adds
/// the policy's pause approvers; the clock still runs, so the stage's party must act too.
public struct WhoActs: Equatable, Sendable {
    public enum Next: Equatable, Sendable {
        /// The current stage's owner must respond (the role).
        case stageOwner(String)
        /// The owner responded: the raiser decides (resolve or escalate).
        case raiser(Actor)
        /// The clock is paused: nothing is due until it restarts.
        case paused
        /// Resolved or withdrawn, or a record without stages.
        case nobody
    }

    public var next: Next
    /// The pause approvers asked to approve or decline a waiting request (empty: none waits).
    public var pauseApprovers: [String]

    public init(next: Next, pauseApprovers: [String] = []) {
        self.next = next; self.pauseApprovers = pauseApprovers
    }

    /// Decides who must act on `dispute`, evaluated as `evaluation`.
    ///
    /// - Parameters:
    ///   - dispute: the record (its raiser).
    ///   - evaluation: the engine's evaluation of it at the moment shown.
    ///   - policy: its policy (`[pause] approvers`).
    ///   - pauseRequested: a pause request waits for an answer.
    public init(_ dispute: Dispute, _ evaluation: Evaluation, policy: Policy, pauseRequested: Bool = false) {
        switch evaluation.state {
        case .resolved, .withdrawn:
            next = .nobody
        case .paused:
            next = .paused
        default:
            if evaluation.respondedAt != nil {
                next = .raiser(dispute.raisedBy)
            } else if let owner = evaluation.owner {
                next = .stageOwner(owner)
            } else {
                next = .nobody
            }
        }
        let open = evaluation.state != .resolved && evaluation.state != .withdrawn && evaluation.state != .paused
        pauseApprovers = pauseRequested && open ? policy.pauseApprovers : []
    }

    /// Every role that must act now, in order: the stage's party, then the pause approvers.
    public var roles: [String] {
        var out: [String] = []
        switch next {
        case .stageOwner(let r): out.append(r)
        case .raiser(let a): out.append(a.role)
        case .paused, .nobody: break
        }
        for r in pauseApprovers where !out.contains(r) { out.append(r) }
        return out
    }
}
