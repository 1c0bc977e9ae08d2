import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Hummingbird

/// A dispute's page (`/disputes/ID`, ID being the store's opaque number) and its actions
/// (`POST /disputes/ID/ACTION`).
struct DisputeRoutes {
    let app: WebApp

    func add(to router: Router<WebContext>) {
        router.get("/disputes/:id") { request, context in
            let (id, d) = try self.load(context, action: "view")
            let done = request.uri.queryParameters["done"].map(String.init)
            let notice = done == "raised" ? "The dispute is raised. The people it names are told by email." : done.flatMap(OfferedAction.Kind.init(rawValue:)).map(Self.doneMessage)
            return try self.page(id: id, d, context: context, notice: notice)
        }
        router.post("/disputes/:id/:action") { _, context in try self.act(context) }
    }

    /// The dispute of the `:id` parameter, when the signed-in person may see it.
    ///
    /// - Throws: 404 for an unknown id; 403 (audited) when it does not name them.
    func load(_ context: WebContext, action: String) throws -> (Int64, Dispute) {
        guard let person = context.person else { throw HTTPError(.forbidden) }
        guard let text = context.parameters.get("id"), text.utf8.count <= 18, let id = Int64(text), id > 0,
              let d = try app.stores.next().dispute(id: id) else {
            throw HTTPError(.notFound, message: "There is no dispute at this address. Find it from My work.")
        }
        guard person.maySee(d) else {
            app.audit(context, action, ref: d.ref, outcome: "denied", detail: "not named on it")
            throw HTTPError(.forbidden, message: "This dispute does not name you or your role, so you cannot see it or act on it. If you should, ask the IRO who raised it to add you.")
        }
        return (id, d)
    }

    static func doneMessage(_ kind: OfferedAction.Kind) -> String {
        switch kind {
        case .respond: "Your response is recorded. The person who raised the dispute is told, and decides what happens next."
        case .escalate: "The dispute is escalated."
        case .pause: "The clock is paused."
        case .resume: "The clock has restarted."
        case .extend: "The extension is recorded."
        case .cafcass: "The CAFCASS referral is recorded."
        case .intendCafcass: "The intention to refer to CAFCASS is recorded. The people the policy names are alerted before the referral."
        case .note: "Your note is added."
        case .resolve: "The dispute is recorded as resolved."
        case .withdraw: "The dispute is withdrawn."
        case .requestPause: "Your request to pause the clock is recorded. The people who may agree to a pause are emailed, and see it in My work."
        case .approvePause: "The pause request is approved: the clock is paused."
        case .declinePause: "The pause request is declined."
        }
    }

    // MARK: Actions

    func act(_ context: WebContext) throws -> Response {
        guard let person = context.person else { throw HTTPError(.forbidden) }
        let (id, d) = try load(context, action: context.parameters.get("action") ?? "action")
        guard let kind = context.parameters.get("action").flatMap(OfferedAction.Kind.init(rawValue:)) else {
            throw HTTPError(.notFound, message: "There is no such action.")
        }
        let pending = try pendingPauseRequest(id, d)
        guard let offered = Actions.offered(to: person, on: d, runtime: app.runtime, now: context.now, pending: pending).first(where: { $0.kind == kind }) else {
            app.audit(context, kind.rawValue, ref: d.ref, outcome: "denied", detail: "not offered to this person now")
            throw HTTPError(.forbidden, message: "You cannot do this to this dispute now. The dispute page shows what you can do.")
        }
        let f = context.form
        var errors: [FieldError] = []
        /// `value` of `field` when it is at most `max` characters (and was not cut), else nil with the error.
        func bounded(_ field: String, _ v: String, max: Int) -> String? {
            guard v.count <= max, !f.cut.contains(field) else {
                errors.append(FieldError(field: "\(kind.rawValue)-\(field)", message: "Write \(max) characters or fewer"))
                return nil
            }
            return v
        }
        func required(_ field: String, _ message: String, max: Int = 2000) -> String? {
            guard let v = f[field] else { errors.append(FieldError(field: "\(kind.rawValue)-\(field)", message: message)); return nil }
            return bounded(field, v, max: max)
        }
        let a = offered.actor
        var change: DisputeEvent.Change?
        /// A pause request's own write (not a change to the dispute).
        var requestWrite: (() throws -> Bool)?
        /// The form names the request it answers: still the waiting one?
        func answering() -> PauseRequestRow? {
            guard let pending, f["request"] == "\(pending.id)" else {
                errors.append(FieldError(field: "\(kind.rawValue)-submit", message: "This pause request is no longer waiting for an answer; the page shows where it is now"))
                return nil
            }
            return pending
        }
        switch kind {
        case .requestPause:
            if let r = required("reason", "Enter why the clock should be paused", max: 500) {
                requestWrite = { _ = try self.app.stores.next().addPauseRequest(disputeID: id, at: context.now, by: a, reason: r); return true }
            }
        case .approvePause:
            if let req = answering() {
                change = .paused(approvedBy: a, reason: "\(req.reason) (asked for by \(req.requestedBy.email), \(self.app.title(req.requestedBy.role, on: d)))")
            }
        case .declinePause:
            let reason = required("reason", "Enter why the pause is declined, for the person who asked", max: 500)
            if let req = answering(), let reason {
                requestWrite = { try self.app.stores.next().declinePauseRequest(id: req.id, at: context.now, by: a.email, reason: reason) }
            }
        case .respond:
            if let t = required("text", "Enter your response: what you will do, and by when", max: DisputeEvent.maxTextLength) {
                change = .responded(text: t)
            }
        case .escalate:
            let stage = Int(f["to-stage"] ?? "") ?? 0
            let reason = f["reason"].map { String($0.prefix(2000)) }
            if stage < 1 { errors.append(FieldError(field: "escalate-to-stage", message: "Select the stage to escalate to")) }
            change = .escalated(toStage: stage, reason: reason)
        case .pause:
            if let r = required("reason", "Enter why the clock is paused") { change = .paused(approvedBy: a, reason: r) }
        case .resume: change = .resumed
        case .extend:
            if let n = Int(f["working-days"] ?? ""), (1...20).contains(n) {
                change = .extended(workingDays: n, agreedBy: a)
            } else {
                errors.append(FieldError(field: "extend-working-days", message: "Enter the number of working days, from 1 to 20"))
            }
        case .cafcass: change = .cafcassReferral
        case .intendCafcass:
            // Optional, as for `dispute intend-cafcass --reason` and the import: the engine's rule.
            if let v = f["reason"] {
                if let r = bounded("reason", v, max: 500) { change = .cafcassIntended(reason: r) }
            } else {
                change = .cafcassIntended(reason: nil)
            }
        case .note: if let t = required("text", "Enter the note") { change = .note(t) }
        case .resolve: if let o = required("outcome", "Enter the outcome, for example ‘care plan amended’", max: 500) { change = .resolved(outcome: o) }
        case .withdraw: if let r = required("reason", "Enter why it is withdrawn", max: 500) { change = .withdrawn(reason: r) }
        }
        if errors.isEmpty, let requestWrite {
            guard try requestWrite() else {
                app.audit(context, kind.rawValue, ref: d.ref, outcome: "refused", detail: "the request was already answered")
                errors.append(FieldError(field: "\(kind.rawValue)-submit", message: "This pause request is no longer waiting for an answer; the page shows where it is now"))
                return try page(id: id, d, context: context, failed: (kind, f, errors), status: .unprocessableContent)
            }
            app.audit(context, kind.rawValue, ref: d.ref, outcome: "done", detail: "as \(a.role)")
            return WebApp.redirect("/disputes/\(id)?done=\(kind.rawValue)")
        }
        if errors.isEmpty, let change {
            do {
                _ = try app.record(.change(ref: d.ref, change), actor: a, context: context, naming: Self.label)
                return WebApp.redirect("/disputes/\(id)?done=\(kind.rawValue)")
            } catch let refusal as WebWriteRefusal {
                errors.append(FieldError(field: Self.field(refusal.field, kind), message: refusal.message))
            }
        }
        return try page(id: id, d, context: context, failed: (kind, f, errors), status: .unprocessableContent)
    }

    /// How a refusal names a field of these forms.
    static func label(_ f: DisputeCore.Field) -> String {
        switch f {
        case .stage: "the stage"
        case .reason: "the reason"
        case .workingDays: "the number of working days"
        case .outcome: "the outcome"
        case .note: "the note"
        case .approvedBy, .agreedBy, .by: "your role"
        default: f.label
        }
    }

    /// The id of the field of form `kind` that a refusal about `field` links to.
    static func field(_ field: DisputeCore.Field?, _ kind: OfferedAction.Kind) -> String {
        switch (field, kind) {
        case (.reason?, .escalate): "escalate-reason"
        case (.stage?, .escalate): "escalate-to-stage"
        default: firstField(kind)
        }
    }

    /// The id an error of this form links to.
    static func firstField(_ kind: OfferedAction.Kind) -> String {
        switch kind {
        case .respond: "respond-text"
        case .escalate: "escalate-to-stage"
        case .pause, .withdraw, .requestPause, .declinePause, .intendCafcass: "\(kind.rawValue)-reason"
        case .extend: "extend-working-days"
        case .note: "note-text"
        case .resolve: "resolve-outcome"
        case .resume, .cafcass, .approvePause: "\(kind.rawValue)-submit"
        }
    }

    /// The pause request of dispute `id` that waits for an answer, if any.
    func pendingPauseRequest(_ id: Int64, _ d: Dispute) throws -> PauseRequestRow? {
        try app.stores.next().pauseRequests(disputeID: id).last { $0.isPending(in: d) }
    }

    // MARK: Page

    func page(id: Int64, _ d: Dispute, context: WebContext, notice: String? = nil,
              failed: (OfferedAction.Kind, Form, [FieldError])? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let person = context.person else { throw HTTPError(.forbidden) }
        let engine = try app.runtime.engine(for: d)
        let kp = engine.policy.kinds[d.kind]
        let e = try app.runtime.evaluate(d, now: context.now)
        var b = "<span class=\"caption-l\">\(esc(kp?.title ?? d.kind.rawValue)) · \(esc(engine.policy.title))</span>"
        b += "<h1>\(esc(d.ref))</h1>"
        b += "<p>\(stateTag(e.state))</p>"
        let requests = try app.stores.next().pauseRequests(disputeID: id)
        let pending = requests.last { $0.isPending(in: d) }
        var rows: [(String, String)] = []
        let closed = e.state == .resolved || e.state == .withdrawn
        if closed, let last = d.events.last(where: { if case .resolved = $0.change { true } else if case .withdrawn = $0.change { true } else { false } }) {
            rows.append(("Closed", "\(app.when(last.at)): \(describe(last.change, on: d))"))
            if e.stage > 0 { rows.append(("Last stage", stageLabel(e.stage, e.stageName))) }
        } else if e.stage > 0 {
            rows.append(("Current stage", stageLabel(e.stage, e.stageName)))
            let who = WhoActs(d, e, policy: engine.policy, pauseRequested: pending != nil)
            rows.append(("Waiting for", app.waitingFor(who, on: d, long: true)))
            rows.append(("Stage due", "\(app.when(e.stageDeadline)) (\(daysLeft(e.stageWorkingDaysLeft)))"))
            if let answered = e.respondedAt {
                let timing = e.respondedWithinTimescale == false ? "after the stage was due" : "within the timescale"
                let days = e.responseWorkingDays.map { $0 == 0 ? ", the day the stage began" : ", \($0) working day\($0 == 1 ? "" : "s") after the stage began" } ?? ""
                let then = who.next == .paused ? "the raiser decides once the clock restarts" : "the raiser decides next"
                rows.append(("Response", "\(app.when(answered)), \(timing)\(days); \(then)"))
            }
        }
        if !closed, let st = e.statutoryDeadline {
            rows.append(("Statutory total due", "\(app.when(st)) (\(daysLeft(e.statutoryWorkingDaysLeft)))"))
        }
        rows.append(("Raised", "\(app.when(d.events.first?.at)) by \(app.who(d.raisedBy, on: d))"))
        rows.append(("Category", d.category.rawValue.replacingOccurrences(of: "-", with: " ").capitalizedFirst))
        rows.append(("Type", ["P": "Practice", "R": "Resources", "D": "Delay or drift"][d.type.rawValue] ?? d.type.rawValue))
        if let t = d.team { rows.append(("Team", t)) }
        rows.append(("Child's case reference", d.childRef))
        if let status = d.childStatus { rows.append(("Child's status", RaiseRoutes.statusWords(status).capitalizedFirst)) }
        if let s = d.subject, let row = kp?.subject(s) { rows.append(("Subject", row.title)) }
        b += summaryList(rows)

        // What the person can do now.
        let offered = Actions.offered(to: person, on: d, runtime: app.runtime, now: context.now, pending: pending)
        b += "<h2 id=\"actions\">What you can do</h2>"
        if offered.isEmpty { b += "<p>There is nothing for you to record on this dispute now.</p>" }
        for action in offered {
            let mine = failed?.0 == action.kind ? failed : nil
            b += actionForm(id: id, action, d: d, e: e, kp: kp, csrf: context.csrf, form: mine?.1, errors: mine?.2 ?? [], pending: pending)
        }

        // Pause requests (migration 007): asked, and how each was answered.
        if !requests.isEmpty {
            let approvers = engine.policy.pauseApprovers.map { engine.policy.title(of: $0) }.joined(separator: " or ")
            let rrows = requests.map { r -> [String] in
                let outcome: String
                if let declined = r.declinedAt {
                    outcome = "Declined \(app.when(declined)) by \(r.declinedBy ?? "–"): \(r.declineReason ?? "")"
                } else if let pause = r.approval(in: d) {
                    outcome = "Approved \(app.when(pause.at)) by \(pause.by?.email ?? "–")"
                } else if r.isPending(in: d) {
                    outcome = "Waiting for \(approvers)"
                } else {
                    outcome = "Not answered before the dispute closed"
                }
                return [esc(app.when(r.requestedAt)), esc(app.who(r.requestedBy, on: d)), esc(r.reason), esc(outcome)]
            }
            b += "<h2 id=\"pause-requests\">Pause requests</h2>" + table(caption: "Requests to pause the clock, oldest first", captionHidden: true,
                                                                  head: ["Asked", "By", "Why", "Answer"], rows: rrows)
        }

        // Stage by stage.
        if let kp, !kp.stages.isEmpty {
            var entered: [Int: Date] = [:], left: [Int: Date] = [:]
            var current = 0
            for ev in d.events {
                switch ev.change {
                case .opened(let s): current = s; entered[s] = ev.at
                case .escalated(let s, _): left[current] = left[current] ?? ev.at; current = s; entered[s] = ev.at
                case .resolved, .withdrawn: left[current] = left[current] ?? ev.at
                default: break
                }
            }
            var srows: [[String]] = []
            for st in kp.stages where entered[st.number] != nil || st.number == e.stage || e.derivedEscalations.contains(st.number) {
                let owner = d.concernsOwner ? (st.ownerIfAboutOwner ?? st.owner) : st.owner
                let due = st.number == e.stage && e.state != .resolved && e.state != .withdrawn ? app.when(e.stageDeadline) : "–"
                let note = e.derivedEscalations.contains(st.number) ? " (escalated when the stage before ran out of time)" : ""
                srows.append([esc(stageLabel(st.number, st.name) + note), esc(app.title(owner, on: d)), esc(app.when(entered[st.number])),
                              esc(due), esc(left[st.number].map(app.when) ?? (st.number == e.stage ? "Open" : "–"))])
            }
            b += "<h2>Stages</h2>" + table(caption: "Stage by stage", captionHidden: true,
                                            head: ["Stage", "Owner", "Started", "Due", "Ended"], rows: srows)
        }

        // People.
        var people: [(String, String)] = [("Raised by", app.who(d.raisedBy, on: d))]
        for role in d.people.keys.sorted() { people.append((app.title(role, on: d), d.people[role]!.joined(separator: ", "))) }
        b += "<h2>People</h2>" + summaryList(people)
        b += "<p class=\"hint\">Other roles are told at the addresses the service's settings give them.</p>"

        // History.
        var hrows: [[String]] = []
        for ev in d.events {
            hrows.append([esc(app.when(ev.at)), esc(describe(ev.change, on: d)), esc(ev.by.map { app.who($0, on: d) } ?? "drwatch")])
        }
        b += "<h2>History</h2>" + table(caption: "Everything recorded, oldest first", captionHidden: true, head: ["When", "What", "Who"], rows: hrows)

        // Notifications.
        let outbox = try app.stores.next().outbox(ref: d.ref)
        b += "<h2>Notifications</h2>"
        if outbox.isEmpty {
            b += "<p>No notification has been sent yet.</p>"
        } else {
            let orows = outbox.map { o -> [String] in
                let to = o.recipients.map { "\(esc($0.address))\($0.isSent ? "" : " (not yet)")" }.joined(separator: "<br>")
                let state = switch o.state { case .sent: "Sent"; case .pending: "Waiting to send"; case .failed: "Failed, will retry"; case .parked: "Not delivered (admin told)" }
                return [esc(app.when(o.item.createdAt)), esc(o.item.subject), to, esc(state)]
            }
            b += table(caption: "Notifications about this dispute", captionHidden: true, head: ["Decided", "Message", "To", "Delivery"], rows: orows)
        }
        b += "<p><a href=\"/\">Back to My work</a></p>"
        return app.html(Page(title: d.ref, body: b, nav: .work, errors: failed?.2 ?? [], notice: notice), context: context, status: status)
    }

    func actionForm(id: Int64, _ a: OfferedAction, d: Dispute, e: Evaluation, kp: KindPolicy?, csrf: String?, form: Form?, errors: [FieldError],
                    pending: PauseRequestRow? = nil) -> String {
        let k = a.kind.rawValue
        func err(_ field: String) -> String? { errors.first { $0.field == "\(k)-\(field)" }?.message }
        var h = "<section class=\"action\" aria-labelledby=\"\(k)-title\"><h3 id=\"\(k)-title\">\(esc(a.title))</h3>"
        h += "<form method=\"post\" action=\"/disputes/\(id)/\(k)\" novalidate>\(Layout.csrfField(csrf))"
        let button: String
        switch a.kind {
        case .respond:
            let due = e.stageDeadline.map { " The stage is due \(app.when($0))." } ?? ""
            h += named(FormField.textarea(id: "\(k)-text", label: "Your response", value: form?["text"],
                                      hint: "What you will do about the concern, and by when, as \(app.title(a.actor.role, on: d)).\(due) Use case references only, never a child's name.",
                                      error: err("text")), k, "text")
            button = "Record your response"
        case .escalate:
            let stages = (kp?.stages ?? []).filter { $0.number > e.stage }
            h += FormField.select(id: "\(k)-to-stage", label: "Escalate to", options: stages.map { ("\($0.number)", "\(stageLabel($0.number, $0.name)) (\(app.title(d.concernsOwner ? ($0.ownerIfAboutOwner ?? $0.owner) : $0.owner, on: d)))") },
                              selected: form?["to-stage"] ?? stages.first.map { "\($0.number)" }, error: err("to-stage")).replacingOccurrences(of: "name=\"\(k)-to-stage\"", with: "name=\"to-stage\"")
            h += FormField.textarea(id: "\(k)-reason", label: "Reason (optional)", value: form?["reason"],
                                hint: "Needed when you skip a stage: the policy asks why.", error: err("reason")).replacingOccurrences(of: "name=\"\(k)-reason\"", with: "name=\"reason\"")
            button = "Escalate"
        case .pause:
            h += named(FormField.textarea(id: "\(k)-reason", label: "Why is the clock paused?", value: form?["reason"],
                                      hint: "You record that you agree to the pause, as \(app.title(a.actor.role, on: d)).", error: err("reason")), k, "reason")
            button = "Pause the clock"
        case .resume: button = "Restart the clock"
        case .requestPause:
            let approvers = (try? app.runtime.engine(for: d)).map { en in en.policy.pauseApprovers.map { en.policy.title(of: $0) }.joined(separator: " or ") } ?? ""
            h += named(FormField.textarea(id: "\(k)-reason", label: "Why should the clock be paused?", value: form?["reason"],
                                      hint: "Only \(approvers) may agree to a pause. They are emailed, see your request in My work, and approve or decline it.", error: err("reason")), k, "reason")
            button = "Ask for a pause"
        case .approvePause, .declinePause:
            if let pending {
                h += "<input type=\"hidden\" name=\"request\" value=\"\(pending.id)\">"
                if a.kind == .approvePause {
                    h += "<p>\(esc(app.who(pending.requestedBy, on: d))) asked on \(esc(app.when(pending.requestedAt))): “\(esc(pending.reason))”</p>"
                    h += "<p class=\"hint\">You agree to the pause as \(esc(app.title(a.actor.role, on: d))); the clock stops until someone restarts it.</p>"
                }
            }
            if a.kind == .declinePause {
                h += named(FormField.textarea(id: "\(k)-reason", label: "Why is the pause declined?", value: form?["reason"],
                                          hint: "The person who asked sees this on the dispute's page.", error: err("reason")), k, "reason")
            }
            button = a.kind == .approvePause ? "Approve and pause the clock" : "Decline the request"
        case .extend:
            h += named(FormField.text(id: "\(k)-working-days", label: "How many working days?", value: form?["working-days"],
                                  hint: "Never past the statutory total.", error: err("working-days"), type: "text", width: "narrow"), k, "working-days")
            button = "Agree the extension"
        case .cafcass: button = "Record the referral"
        case .intendCafcass:
            let alerted = (try? app.runtime.engine(for: d)).map { en in en.policy.cafcassIntendedAlert.map { en.policy.title(of: $0) }.joined(separator: " and ") } ?? ""
            h += named(FormField.textarea(id: "\(k)-reason", label: "Why is a referral to CAFCASS intended? (optional)", value: form?["reason"],
                                      hint: "The policy alerts \(alerted) before a referral. Use case references only, never a child's name.",
                                      error: err("reason")), k, "reason")
            button = "Record the intention"
        case .note:
            h += named(FormField.textarea(id: "\(k)-text", label: "Note", value: form?["text"], hint: "Use case references only, never a child's name.", error: err("text")), k, "text")
            button = "Add the note"
        case .resolve:
            h += named(FormField.text(id: "\(k)-outcome", label: "Outcome", value: form?["outcome"], hint: "For example, care plan amended.", error: err("outcome")), k, "outcome")
            button = "Record as resolved"
        case .withdraw:
            h += named(FormField.text(id: "\(k)-reason", label: "Why is it withdrawn?", value: form?["reason"], error: err("reason")), k, "reason")
            button = "Withdraw"
        }
        if let e = err("submit") { h += "<p id=\"\(k)-submit-error\" class=\"error-message\"><span class=\"visually-hidden\">Error:</span> \(esc(e))</p>" }
        let style = a.kind == .withdraw ? "button button-warning" : ([.note, .declinePause, .requestPause].contains(a.kind) ? "button button-secondary" : "button")
        h += "<button type=\"submit\" class=\"\(style)\" id=\"\(k)-submit\">\(esc(button))</button></form></section>\n"
        return h
    }

    /// The field's name inside its form is its short name (`reason`), its id is prefixed.
    private func named(_ html: String, _ k: String, _ field: String) -> String {
        html.replacingOccurrences(of: "name=\"\(k)-\(field)\"", with: "name=\"\(field)\"")
    }

    /// An event of `d`'s history in words, roles by their titles.
    func describe(_ c: DisputeEvent.Change, on d: Dispute) -> String {
        switch c {
        case .opened(let s): "Raised at stage \(s)"
        case .escalated(let s, let r): "Escalated to stage \(s)" + (r.map { ": \($0)" } ?? "")
        case .paused(let a, let r): "Clock paused, agreed by \(app.who(a, on: d)): \(r)"
        case .resumed: "Clock restarted"
        case .extended(let n, let a): "Extended by \(n) working day\(n == 1 ? "" : "s"), agreed by \(a.email)"
        case .note(let t): "Note: \(t)"
        case .cafcassReferral: "Referred to CAFCASS"
        case .cafcassIntended(let r): "CAFCASS referral intended" + (r.map { ": \($0)" } ?? "")
        case .responded(let t): "Responded: \(t)"
        case .resolved(let o): "Resolved: \(o)"
        case .withdrawn(let r): "Withdrawn: \(r)"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
