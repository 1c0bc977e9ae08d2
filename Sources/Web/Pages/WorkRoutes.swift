import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Hummingbird

/// "My work": the disputes where the signed-in person must act now, most urgent first; then the
/// disputes they raised or are named on.
struct WorkRoutes {
    let app: WebApp
    /// At most this many disputes are read per list (a person named on more sees the most recent).
    static let limit = 500

    func add(to router: Router<WebContext>) {
        router.get("/") { _, context in try self.page(context) }
    }

    func page(_ context: WebContext) throws -> Response {
        guard let person = context.person else { throw HTTPError(.forbidden) }
        let store = app.stores.next()
        var records = try store.disputes(naming: person.email, limit: Self.limit).filter { !$0.isClosed }
        let owners = Set(app.runtime.policies.values.flatMap { $0.policy.kinds.values.flatMap { $0.stages.map(\.owner) } })
        let routed = person.configRoles.filter { owners.contains($0) }.sorted()
        if !routed.isEmpty {
            var seen = Set(records.map(\.id))
            for r in try store.openDisputes(routedToConfigRoles: routed, limit: Self.limit) where seen.insert(r.id).inserted { records.append(r) }
        }
        let evaluated = app.evaluated(records, now: context.now)
        var act: [[String]] = [], watch: [[String]] = []
        for (record, e) in evaluated {
            let d = record.dispute
            let roles = person.roles(on: d)
            guard !roles.isEmpty, let policy = app.runtime.policies[d.policy]?.policy else { continue }
            // Who must act now: the dispute page's decision (`WhoActs`); pause requests are listed below.
            let who = WhoActs(d, e, policy: policy)
            switch who.next {
            case .stageOwner(let owner) where roles.contains(owner):
                let asked = "Respond to \(stageLabel(e.stage, e.stageName)) as \(app.title(owner, on: d))"
                act.append([disputeLink(record.id, d.ref), esc(asked), esc(app.when(e.stageDeadline)), esc(daysLeft(e.stageWorkingDaysLeft)), stateTag(e.state)])
            case .raiser(let raiser) where roles.contains(raiser.role):
                // The owner responded: the raiser decides (resolve or escalate) before the stage is due.
                let asked = "Decide after the response of \(app.when(e.respondedAt)): resolve or escalate"
                act.append([disputeLink(record.id, d.ref), esc(asked), esc(app.when(e.stageDeadline)), esc(daysLeft(e.stageWorkingDaysLeft)), stateTag(e.state)])
            default:
                let why = d.raisedBy.email == person.email ? "You raised it" : "Named as \(roles.map { app.title($0, on: d) }.joined(separator: ", "))"
                watch.append([disputeLink(record.id, d.ref), esc(why), esc("Stage \(e.stage). Waiting for: \(app.waitingFor(who, on: d))"),
                              esc(app.when(e.stageDeadline)), stateTag(e.state)])
            }
        }
        // Pause requests waiting for an approver this person is (the dispute page's rule: `Actions.offered`).
        var seenRequests = Set<Int64>()
        for request in try store.waitingPauseRequests(limit: Self.limit) where seenRequests.insert(request.disputeID).inserted {
            guard let d = try store.dispute(id: request.disputeID), person.maySee(d),
                  let pending = try store.pauseRequests(disputeID: request.disputeID).last(where: { $0.isPending(in: d) }),
                  Actions.offered(to: person, on: d, runtime: app.runtime, now: context.now, pending: pending).contains(where: { $0.kind == .approvePause })
            else { continue }
            let asked = "Approve or decline a pause asked for by \(app.who(pending.requestedBy, on: d))"
            let state = (try? app.runtime.evaluate(d, now: context.now)).map { stateTag($0.state) } ?? ""
            act.insert([disputeLink(request.disputeID, d.ref), esc(asked), esc("As soon as you can"), esc("Asked \(app.when(pending.requestedAt))"), state], at: 0)
            // Listed once: where they must act.
            watch.removeAll { $0[0] == disputeLink(request.disputeID, d.ref) }
        }
        var body = "<h1>My work</h1>"
        body += "<h2 id=\"act-now\">Where you need to act (\(act.count))</h2>"
        if act.isEmpty {
            body += "<p>Nothing is waiting for you.</p>"
        } else {
            body += table(caption: "Disputes waiting for you, most urgent first", captionHidden: true,
                          head: ["Case reference", "What is asked", "By when", "Working days left", "State"], rows: act)
        }
        body += "<h2 id=\"watching\">Disputes you raised or are named on (\(watch.count))</h2>"
        if watch.isEmpty {
            body += "<p>None open.</p>"
        } else {
            body += table(caption: "Disputes you raised or are named on", captionHidden: true,
                          head: ["Case reference", "Your part", "Where it is", "Stage due", "State"], rows: watch)
        }
        if person.mayRaise { body += "<p><a href=\"/raise\" class=\"button\">Raise a dispute</a></p>" }
        return app.html(Page(title: "My work", body: body, nav: .work), context: context)
    }
}
