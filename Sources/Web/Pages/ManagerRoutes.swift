import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Hummingbird
import WorkingDays

/// The overview and reports (managers: `[web] manager_roles`), and the outbox (admins).
struct ManagerRoutes {
    let app: WebApp
    /// The overview reads at most this many open disputes per filter.
    static let limit = 5000
    /// ... and shows at most this many rows.
    static let shown = 200

    func add(to router: Router<WebContext>) {
        router.get("/overview") { request, context in try self.overview(request, context) }
        router.get("/reports") { request, context in try self.reports(request, context) }
        router.get("/admin/outbox") { _, context in try self.outbox(context, notice: nil) }
        router.post("/admin/outbox/:id/retry") { _, context in try self.retry(context) }
    }

    private func manager(_ context: WebContext, _ what: String) throws {
        guard let p = context.person, p.isManager else {
            app.audit(context, what, ref: nil, outcome: "denied", detail: "not a manager")
            throw HTTPError(.forbidden, message: "The overview and reports are for IRO service managers, heads of service and admins.")
        }
    }

    private func admin(_ context: WebContext, _ what: String) throws {
        guard let p = context.person, p.isAdmin else {
            app.audit(context, what, ref: nil, outcome: "denied", detail: "not an admin")
            throw HTTPError(.forbidden, message: "The outbox is for drwatch admins.")
        }
    }

    func overview(_ request: Request, _ context: WebContext) throws -> Response {
        try manager(context, "overview")
        let q = request.uri.queryParameters
        func param(_ k: String) -> String? { q[Substring(k)].map { String($0.prefix(100)) }.flatMap { $0.isEmpty ? nil : $0 } }
        let team = param("team"), policy = param("policy"), state = param("state").flatMap(DisputeState.init(rawValue:)), owner = param("owner")
        let store = app.stores.next()
        let records = try store.openDisputes(team: team, policy: policy, limit: Self.limit)
        // Who must act now (the dispute page's decision, `WhoActs`), with the waiting pause requests.
        let requested = Set(try store.waitingPauseRequests(limit: Self.limit).map(\.disputeID))
        var rows: [(record: DisputeRecord, evaluation: Evaluation, who: WhoActs)] = app.evaluated(records, now: context.now).compactMap { r in
            guard let p = app.runtime.policies[r.record.dispute.policy]?.policy else { return nil }
            return (r.record, r.evaluation, WhoActs(r.record.dispute, r.evaluation, policy: p, pauseRequested: requested.contains(r.record.id)))
        }.filter { r in
            (state == nil || r.evaluation.state == state) && (owner == nil || r.who.roles.contains(owner!))
        }
        // Statutory totals at risk (or breached) first, then the usual order.
        func rank(_ s: DisputeState) -> Int { s == .statutoryBreached ? 0 : s == .statutoryAtRisk ? 1 : 2 }
        rows = rows.enumerated().sorted { a, b in
            let (x, y) = (rank(a.element.evaluation.state), rank(b.element.evaluation.state))
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        let atRisk = rows.filter { rank($0.evaluation.state) < 2 }.count
        var b = "<h1>Overview</h1>"
        b += "<p class=\"lead\">\(rows.count) open dispute\(rows.count == 1 ? "" : "s")\(records.count >= Self.limit ? " (the first \(Self.limit) read)" : ""); \(atRisk) with the statutory total at risk or breached.</p>"
        b += "<form method=\"get\" action=\"/overview\" class=\"filters\">"
        let teams = try store.openTeams()
        b += FormField.select(id: "team", label: "Team", options: [("", "All teams")] + teams.map { ($0, $0) }, selected: team ?? "")
        b += FormField.select(id: "policy", label: "Procedure", options: [("", "All")] + app.runtime.policyNames.map { ($0, app.runtime.policies[$0]!.policy.title) }, selected: policy ?? "")
        let states: [DisputeState] = [.statutoryBreached, .statutoryAtRisk, .overdue, .dueToday, .dueSoon, .onTrack, .paused]
        b += FormField.select(id: "state", label: "State", options: [("", "All")] + states.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "-", with: " ").capitalizedFirst) },
                          selected: state?.rawValue ?? "")
        // Everyone who can be waited for: stage owners, raisers (who decide after a response), pause approvers.
        var owners = Set(app.runtime.policies.values.flatMap { $0.policy.kinds.values.flatMap { $0.stages.flatMap { [$0.owner] + ($0.ownerIfAboutOwner.map { [$0] } ?? []) } } })
        for p in app.runtime.policies.values {
            owners.formUnion(p.policy.initiators.map(\.role))
            owners.formUnion(p.policy.pauseApprovers)
        }
        owners.formUnion(app.web.raiserRoles)
        b += FormField.select(id: "owner", label: "Waiting for", options: [("", "Anyone")] + owners.sorted().map { ($0, app.title($0)) }, selected: owner ?? "")
        b += "<div class=\"form-group\"><button type=\"submit\" class=\"button\">Apply filters</button></div></form>"
        let shown = rows.prefix(Self.shown).map { r -> [String] in
            let d = r.record.dispute, e = r.evaluation
            return [disputeLink(r.record.id, d.ref), esc(d.team ?? "–"), esc(app.runtime.policies[d.policy]?.policy.title ?? d.policy), esc("\(e.stage)"),
                    esc(app.waitingFor(r.who, on: d)),
                    esc(app.when(e.stageDeadline)), esc(daysLeft(e.statutoryWorkingDaysLeft)), stateTag(e.state)]
        }
        b += table(caption: rows.count > Self.shown ? "The first \(Self.shown) open disputes, most at risk first" : "Open disputes, most at risk first",
                   head: ["Case reference", "Team", "Procedure", "Stage", "Waiting for", "Stage due", "Statutory total", "State"], rows: Array(shown))
        return app.html(Page(title: "Overview", body: b, nav: .overview), context: context)
    }

    func reports(_ request: Request, _ context: WebContext) throws -> Response {
        try manager(context, "report")
        let q = request.uri.queryParameters
        let quarterText = q["quarter"].map { String($0.prefix(10)) }, yearText = q["year"].map { String($0.prefix(4)) }
        var period: ReportPeriod?
        var errors: [FieldError] = []
        if let t = quarterText, !t.isEmpty {
            period = ReportPeriod.parseQuarter(t)
            if period == nil { errors.append(FieldError(field: "quarter", message: "Enter the quarter like 2026Q3")) }
        } else if let t = yearText, !t.isEmpty {
            if let y = Int(t), (1995...2099).contains(y) { period = .year(y) } else { errors.append(FieldError(field: "year", message: "Enter a year from 1995 to 2099, like 2026")) }
        }
        if let period {
            app.audit(context, "report", ref: nil, outcome: "done", detail: "\(period)")
            let (disputes, purged) = try app.stores.next().reportRecords()
            let builder = ReportBuilder(policies: app.runtime.policyNames.map { app.runtime.policies[$0]!.policy }, calendars: app.runtime.calendars,
                                        settings: app.runtime.settings)
            let t = app.runtime.config.reports.suppressionThreshold
            let report = try builder.build(disputes: disputes, purged: purged, period: period, asOf: context.now,
                                           suppressionThreshold: t > 1 ? t : nil)
            var html = ReportHTML.render(report.tables())
            if let body = html.range(of: "<body>") {
                html.insert(contentsOf: "<p><a href=\"/reports\">Back to the reports</a></p>", at: body.upperBound)
            }
            var r = Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
            r.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware.reportCSP
            return r
        }
        let civil = app.civil
        let today = civil.localDate(of: context.now)
        let thisQuarter = "\(today.year)Q\((today.civil.month - 1) / 3 + 1)"
        var b = "<h1>Reports</h1><p>Quarterly and annual reports of dispute activity, as <code>drwatch report</code> makes them. Counts from 1 to \(app.runtime.config.reports.suppressionThreshold - 1) are shown as ‘&lt;\(app.runtime.config.reports.suppressionThreshold)’.</p>"
        b += "<form method=\"get\" action=\"/reports\" novalidate><h2>A quarter</h2>"
        b += FormField.text(id: "quarter", label: "Quarter", value: quarterText ?? thisQuarter, hint: "For example, 2026Q3 (July to September 2026).", error: errors.first { $0.field == "quarter" }?.message, width: "narrow")
        b += "<button type=\"submit\" class=\"button\">Show the quarterly report</button></form>"
        b += "<form method=\"get\" action=\"/reports\" novalidate><h2>A year</h2>"
        b += FormField.text(id: "year", label: "Year", value: yearText ?? "\(today.year)", error: errors.first { $0.field == "year" }?.message, width: "narrow")
        b += "<button type=\"submit\" class=\"button\">Show the annual report</button></form>"
        return app.html(Page(title: "Reports", body: b, nav: .reports, errors: errors), context: context, status: errors.isEmpty ? .ok : .badRequest)
    }

    func outbox(_ context: WebContext, notice: String?) throws -> Response {
        try admin(context, "outbox")
        let store = app.stores.next()
        let entries = try store.read { try $0.outbox(filter: .failed) }
        let counts = try store.read { try $0.outboxCounts() }
        var b = "<h1>Outbox</h1>"
        let through = app.runtime.calendars[app.runtime.config.division]?.oneOffsKnownThrough ?? WorkingCalendar.builtInOneOffsKnownThrough
        if CalendarCoverage.warningDue(now: context.now, knownThrough: through, lastWarning: nil) {
            b += "<div class=\"warning\"><p><strong>Calendar:</strong> the one-off bank holidays are known only through \(through). Set <code>holidays_file</code> to a current gov.uk bank-holidays.json, or deadlines next year may miss a proclaimed holiday.</p></div>"
        }
        b += summaryList([("Waiting to send", "\(counts.pending)"), ("Failed, will retry", "\(counts.failed)"), ("Not delivered (parked)", "\(counts.parked)"), ("Sent", "\(counts.sent)")])
        b += "<h2>Failed and parked messages</h2>"
        if entries.isEmpty {
            b += "<p>None: every message was delivered or is waiting for its first attempt.</p>"
        } else {
            let rows = entries.map { o -> [String] in
                let form = "<form method=\"post\" action=\"/admin/outbox/\(o.id)/retry\" class=\"inline\">\(Layout.csrfField(context.csrf))"
                    + "<button type=\"submit\" class=\"button button-secondary\">Retry<span class=\"visually-hidden\"> message \(o.id)</span></button></form>"
                return [esc("\(o.id)"), esc(o.item.subject), esc(o.state.rawValue.capitalizedFirst), esc("\(o.attempts)"), esc(o.lastError ?? "–"), form]
            }
            b += table(caption: "Messages that need attention", captionHidden: true, head: ["Number", "Message", "State", "Attempts", "Last error", "Action"], rows: rows)
        }
        return app.html(Page(title: "Outbox", body: b, nav: .outbox, notice: notice), context: context)
    }

    func retry(_ context: WebContext) throws -> Response {
        try admin(context, "retry")
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw HTTPError(.notFound) }
        do {
            try app.stores.next().retry(id: id, now: context.now)
            app.audit(context, "retry", ref: nil, outcome: "done", detail: "outbox \(id)")
            return try outbox(context, notice: "Message \(id) will be sent again at the next poll.")
        } catch let e as StoreError where e.code != .unavailable {
            app.audit(context, "retry", ref: nil, outcome: "refused", detail: "outbox \(id)")
            throw HTTPError(.conflict, message: "Message \(id) cannot be retried: \(e)")
        }
    }
}
