import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import WorkingDays

// Small pieces shared by the pages: dates, states, links.

extension WebApp {
    var civil: CivilTime { runtime.settings.civil }

    /// "Fri 27 Nov 2026, 17:00" (Europe/London).
    func when(_ d: Date?) -> String { d.map { formatDue($0, civil: civil) } ?? "–" }

    /// The disputes' evaluations at `now`, most urgent first (the order of `drwatch due`).
    func evaluated(_ records: [DisputeRecord], now: Date) -> [(record: DisputeRecord, evaluation: Evaluation)] {
        let report = runtime.due(records.map(\.dispute), now: now)
        return report.order.compactMap { i in report.evaluations[i].map { (records[i], $0) } }
    }
}

/// The state as a coloured tag with plain words (colour is never the only signal).
func stateTag(_ s: DisputeState) -> String {
    let (label, colour): (String, String) = switch s {
    case .onTrack: ("On track", "tag-green")
    case .dueSoon: ("Due soon", "tag-yellow")
    case .dueToday: ("Due today", "tag-yellow")
    case .overdue: ("Overdue", "tag-red")
    case .statutoryAtRisk: ("Statutory total at risk", "tag-red")
    case .statutoryBreached: ("Statutory total breached", "tag-red")
    case .paused: ("Paused", "tag-grey")
    case .resolved: ("Resolved", "tag-grey")
    case .withdrawn: ("Withdrawn", "tag-grey")
    }
    return "<strong class=\"tag \(colour)\">\(label)</strong>"
}

/// "3 working days left", "1 working day overdue", "due today".
func daysLeft(_ n: Int?) -> String {
    guard let n else { return "–" }
    if n == 0 { return "Due today" }
    if n > 0 { return "\(n) working day\(n == 1 ? "" : "s") left" }
    return "\(-n) working day\(n == -1 ? "" : "s") overdue"
}

/// The link to a dispute's page (by its opaque store id, never its case reference).
func disputeLink(_ id: Int64, _ ref: String) -> String {
    "<a href=\"/disputes/\(id)\">\(esc(ref))</a>"
}

extension WebApp {
    /// How a page names `role` on dispute `d`: the title its policy gives the role
    /// (`[role_titles]`, else the common title, as messages name it: `Policy.title(of:)`).
    /// The slug stays only where it is a form value or an identifier.
    func title(_ role: String, on d: Dispute) -> String {
        runtime.policies[d.policy].map { $0.policy.title(of: role) } ?? title(role)
    }

    /// How a page names `role` outside one dispute (filters, the raise form): its title in the
    /// loaded policies that have the role, in config order; titles that differ between
    /// policies are all given ("Service Manager / Group Manager").
    func title(_ role: String) -> String {
        var titles: [String] = []
        for name in runtime.policyNames {
            guard let p = runtime.policies[name]?.policy, p.roles.contains(role) || p.roleTitles[role] != nil else { continue }
            let t = p.title(of: role)
            if !titles.contains(t) { titles.append(t) }
        }
        if titles.isEmpty, let first = runtime.policyNames.first, let p = runtime.policies[first]?.policy { return p.title(of: role) }
        return titles.joined(separator: " / ")
    }

    /// "tm.smith@council.example (Team Manager)"; with a title that has brackets of its own,
    /// "iro@council.example, Independent Reviewing Officer (IRO)".
    func who(_ actor: Actor, on d: Dispute) -> String {
        let t = title(actor.role, on: d)
        return t.contains("(") ? "\(actor.email), \(t)" : "\(actor.email) (\(t))"
    }
}

/// "Stage 2: Meeting", or the name alone when it already says "Stage 2...".
func stageLabel(_ number: Int, _ name: String?) -> String {
    guard let name else { return "Stage \(number)" }
    return name.lowercased().hasPrefix("stage \(number)") ? name : "Stage \(number): \(name)"
}

extension WebApp {
    /// Who must act on `d` now (`WhoActs`, the one decision), as pages say it. `long` (the
    /// dispute page) also gives the raiser's address and what they decide; a table cell is short.
    func waitingFor(_ w: WhoActs, on d: Dispute, long: Bool = false) -> String {
        var out: String
        switch w.next {
        case .stageOwner(let role): out = title(role, on: d)
        case .raiser(let a): out = long ? "\(title(a.role, on: d)), \(a.email), to decide: resolve or escalate" : "\(title(a.role, on: d)), to decide"
        case .paused: out = "Nobody while the clock is paused"
        case .nobody: out = "Nobody"
        }
        if !w.pauseApprovers.isEmpty {
            let approvers = w.pauseApprovers.map { title($0, on: d) }.joined(separator: " or ")
            out += "; \(approvers), to answer the pause request"
        }
        return out
    }
}
