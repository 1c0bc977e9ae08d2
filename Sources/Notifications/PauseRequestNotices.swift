import ServiceConfig
import DisputeCore
import DisputeStore
import Foundation
import WorkingDays

// A pause request from the web app (migration 007) waits for one of the policy's pause
// approvers. Pure decisions: who is told, once per request and role, and the message. The
// Poller reads the waiting requests and enqueues what these return (PollerPauseRequests.swift).

/// A pause approver to be told that a request waits for them.
public struct PauseRequestNotice: Equatable, Sendable {
    /// `REF/pause-request-ID/ROLE`: one message per request and role, ever (the outbox never
    /// takes an identity twice), whatever stage the dispute is at when it goes.
    public var identity: String
    /// The approver role it is addressed to.
    public var role: String
    /// Why, for the log and the message: `pause asked for by EMAIL (ROLE) on DATE: request to ROLE to approve or decline`.
    public var reason: String
}

/// Who is told about `request`: each of the policy's pause approvers, while the request waits
/// (`PauseRequestRow.isPending`: not declined, no pause recorded at or after it, the dispute
/// open). An answered request, or one on a closed dispute, tells nobody.
///
/// - Parameters:
///   - request: the stored request.
///   - dispute: the dispute it is about, as stored now.
///   - policy: the dispute's policy (`[pause] approvers`).
///   - civil: how dates are written (Europe/London).
/// - Returns: one notice per approver role, in the policy's order; empty when nobody is to be told.
public func pauseRequestNotices(_ request: PauseRequestRow, dispute: Dispute, policy: Policy, civil: CivilTime) -> [PauseRequestNotice] {
    guard request.isPending(in: dispute) else { return [] }
    let asked = "pause asked for by \(request.requestedBy.email) (\(request.requestedBy.role)) on \(formatDue(request.requestedAt, civil: civil))"
    return unique(policy.pauseApprovers).map { role in
        PauseRequestNotice(identity: "\(dispute.ref)/pause-request-\(request.id)/\(role)", role: role,
                           reason: "\(asked): request to \(role) to approve or decline")
    }
}

/// The outbox messages of `notices` not yet in the outbox (`known`), rendered with the
/// `pause-request` template: mail to the role's addresses (the dispute's people first, else
/// `[roles]`, else the admin), and a copy to each webhook listing the role, as `plan` does
/// for the engine's notices.
///
/// - Parameters:
///   - storeID: the dispute's store id (its page's address with `[web] base_url`).
///   - evaluation: the dispute at the poll (its current stage and when it is due), if known.
///   - now: the poll's time (`createdAt`).
public func planPauseRequestNotices(_ notices: [PauseRequestNotice], request: PauseRequestRow, dispute: Dispute, storeID: Int64,
                                    policy: Policy, evaluation: Evaluation?, civil: CivilTime, config: DrwatchConfig,
                                    templates: TemplateSet, known: Set<String>, now: Date) -> [PlannedMessage] {
    let mail = Channel.mail(config)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var out: [PlannedMessage] = []
    for n in notices {
        let r = route(role: n.role, dispute: dispute, config: config)
        var ids: [(Channel, String)] = []
        if !r.envelope.isEmpty { ids.append((mail, n.identity)) }
        for hook in r.webhooks { ids.append((.webhook(hook), webhookIdentity(n.identity, hook: hook))) }
        let missing = ids.filter { !known.contains($0.1) }
        if missing.isEmpty { continue }
        let message = templates.render("pause-request", facts: pauseRequestFacts(n, request: request, dispute: dispute, storeID: storeID,
                                                                                  policy: policy, evaluation: evaluation, route: r, civil: civil,
                                                                                  baseURL: templates.webBaseURL))
        for (channel, identity) in missing {
            var item = OutboxItem(identity: identity, ref: dispute.ref, event: "pause-request", urgency: .normal, recipients: [],
                                  channel: channel.description, subject: message.subject, body: message.text, createdAt: now)
            switch channel {
            case .webhook:
                item.payload = try? encoder.encode(WebhookPayload(ref: dispute.ref, event: "pause-request", stage: evaluation.flatMap { $0.stage > 0 ? $0.stage : nil },
                                                                  due: nil, reason: n.reason, roles: [n.role]))
            case .email, .files:
                item.recipients = r.envelope
                item.html = message.html
                item.payload = try? encoder.encode(MailPayload(to: r.to, cc: r.cc, due: nil))
            }
            out.append(PlannedMessage(item: item, channel: channel, reason: n.reason, unroutable: r.unroutable))
        }
    }
    return out
}

/// The values the `pause-request` template sees (documented in README.md, Templates).
func pauseRequestFacts(_ n: PauseRequestNotice, request: PauseRequestRow, dispute: Dispute, storeID: Int64, policy: Policy,
                       evaluation: Evaluation?, route: Route, civil: CivilTime, baseURL: String?) -> [String: Any] {
    let asker = policy.title(of: request.requestedBy.role)
    var f: [String: Any] = [
        "ref": oneLine(dispute.ref), "role": n.role, "roleTitle": policy.title(of: n.role), "reason": n.reason, "identity": oneLine(n.identity),
        "policy": policy.title, "kind": policy.kinds[dispute.kind]?.title ?? dispute.kind.rawValue, "urgent": false,
        "requestedBy": asker.contains("(") ? "\(request.requestedBy.email), \(asker)," : "\(request.requestedBy.email) (\(asker))",
        "requestedOn": formatDue(request.requestedAt, civil: civil), "requestReason": request.reason,
        "approvers": list(unique(policy.pauseApprovers).map(policy.title(of:))),
    ]
    if let e = evaluation, e.stage > 0, let sp = policy.kinds[dispute.kind]?.stage(e.stage) {
        f["stage"] = e.stage; f["stageName"] = sp.name; f["stageTitle"] = stageTitle(sp); f["hasStage"] = true
        if let due = e.stageDeadline { f["due"] = formatDue(due, civil: civil) }
    }
    if let base = baseURL { f["link"] = "\(base)/disputes/\(storeID)"; f["actionLink"] = "\(base)/disputes/\(storeID)#actions" }
    if !route.unroutable.isEmpty {
        f["unroutable"] = "drwatch has no address for \(list(route.unroutable)) (neither this dispute's people nor [roles] in the config), so the admin role receives this message in its place. Add the address to [roles]."
    }
    return f
}
