import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Hummingbird

/// Raise a dispute: a form built from the loaded policies, checked by `Runtime.opening` (the
/// same validation as `drwatch dispute open`).
struct RaiseRoutes {
    let app: WebApp

    func add(to router: Router<WebContext>) {
        router.get("/raise") { _, context in try self.page(context, form: nil, errors: []) }
        router.post("/raise") { _, context in try self.raise(context) }
    }

    private func person(_ context: WebContext) throws -> Person {
        guard let p = context.person else { throw HTTPError(.forbidden) }
        guard p.mayRaise else {
            app.audit(context, "open", ref: nil, outcome: "denied", detail: "no role that may raise")
            throw HTTPError(.forbidden, message: "Your role cannot raise a dispute here. Ask an IRO, or the drwatch admin if your role is missing.")
        }
        return p
    }

    /// The roles that own a stage in a loaded policy: each gets an optional address field.
    private var ownerRoles: [String] {
        var out: [String] = []
        for name in app.runtime.policyNames {
            // Formal disputes first: their stage owners (Team Manager, Service Manager...) in order.
            for kp in app.runtime.policies[name]!.policy.kinds.values.sorted(by: { ($0.kind != .formal ? 1 : 0, $0.kind.rawValue) < ($1.kind != .formal ? 1 : 0, $1.kind.rawValue) }) {
                for s in kp.stages where !out.contains(s.owner) { out.append(s.owner) }
            }
        }
        return out
    }

    /// The initiator limits of the loaded policies that depend on the child's status, in words
    /// ("under the procedure “Dispute Resolution Process (DRP)...”, the Independent Reviewing
    /// Officer (IRO) may raise up to stage 5 for a child on a child protection or child in need plan"); empty when
    /// no policy uses the child's status (the form then has no field for it).
    var childStatusLimits: [String] {
        var out: [String] = []
        for name in app.runtime.policyNames {
            let p = app.runtime.policies[name]!.policy
            for row in p.initiators {
                guard let status = row.childStatus else { continue }
                out.append("under the procedure “\(p.title)”, the \(p.title(of: row.role)) may raise up to stage \(row.maxStage) for a child \(Self.statusWords(status))")
            }
        }
        return out
    }

    /// "on a child protection or child in need plan", "not on a child protection or child in need plan".
    static func statusWords(_ s: ChildStatus) -> String { s == .cpCin ? "on a \(s.title)" : s.title }

    func raise(_ context: WebContext) throws -> Response {
        let person = try person(context)
        let f = context.form
        var errors: [FieldError] = []
        let ref = f["ref"] ?? ""
        if ref.isEmpty { errors.append(FieldError(field: "ref", message: "Enter the dispute's case reference")) }
        let role = f["raised-as"] ?? person.raiseRoles[0]
        if !person.raiseRoles.contains(role) { errors.append(FieldError(field: "raised-as", message: "Select a role you hold")) }
        var people: [(role: String, email: String)] = []
        for r in ownerRoles {
            guard let email = f["person-\(r)"] else { continue }
            if email.count > 254 || !isPlausibleEmail(email) {
                errors.append(FieldError(field: "person-\(r)", message: "Enter an email address for the \(app.title(r)) in the right format, like jo.bloggs@council.example"))
            } else {
                people.append((r, email.lowercased()))
            }
        }
        var stage: Int? = nil
        if let s = f["stage"] {
            if let n = Int(s), (1...20).contains(n) { stage = n } else { errors.append(FieldError(field: "stage", message: "Enter the stage as a number, like 1")) }
        }
        if errors.isEmpty {
            let fields = OpeningFields(ref: ref, policy: f["policy"] ?? "", kind: f["kind"] ?? "", stage: stage, category: f["category"] ?? "",
                                       type: f["type"] ?? "", raisedBy: Actor(role: role, email: person.email), at: context.now,
                                       team: f["team"], childRef: f["child"] ?? ref, subject: f["subject"], concernsOwner: f["about-owner"] == "yes",
                                       reason: f["reason"], people: people, childStatus: f["child-status"])
            do {
                _ = try app.record(.open(fields), actor: Actor(role: role, email: person.email), context: context, naming: Self.label)
                guard let id = try app.stores.next().disputeID(ref: ref) else { throw HTTPError(.internalServerError) }
                return WebApp.redirect("/disputes/\(id)?done=raised")
            } catch let refusal as WebWriteRefusal {
                errors.append(FieldError(field: Self.id(of: refusal.field), message: refusal.message))
            }
        }
        return try page(context, form: f, errors: errors, status: .unprocessableContent)
    }

    /// The id of the form field a refusal concerns (`DomainError.field`).
    static func id(of field: DisputeCore.Field?) -> String {
        switch field {
        case .childRef?: "child"
        case .childStatus?: "child-status"
        case .raisedBy?, .by?: "raised-as"
        case .aboutOwner?: "about-owner"
        case .people?: "person-team-manager"
        case let f?: ["ref", "policy", "kind", "stage", "category", "type", "team", "subject", "reason"].contains(f.rawValue) ? f.rawValue : "ref"
        case nil: "ref"
        }
    }

    /// How a refusal names a field: the form's label for it.
    static func label(_ f: DisputeCore.Field) -> String {
        switch f {
        case .ref: "the case reference"
        case .childRef: "the child's case reference"
        case .childStatus: "the child's status"
        case .policy: "the procedure"
        case .kind: "what you are raising"
        case .raisedBy, .by: "your role"
        default: "the \(f.label)"
        }
    }

    func page(_ context: WebContext, form f: Form?, errors: [FieldError], status: HTTPResponse.Status = .ok) throws -> Response {
        let person = try person(context)
        func err(_ id: String) -> String? { errors.first { $0.field == id }?.message }
        let policies = app.runtime.policyNames.map { app.runtime.policies[$0]!.policy }
        var kinds: [(String, String)] = []
        var subjects: [(String, String)] = [("", "None")]
        for p in policies {
            for kp in p.kinds.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) where !kinds.contains(where: { $0.0 == kp.kind.rawValue }) {
                kinds.append((kp.kind.rawValue, kp.title))
            }
            for kp in p.kinds.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) {
                for s in kp.subjects where !subjects.contains(where: { $0.0 == s.id }) { subjects.append((s.id, "\(s.id): \(s.title)")) }
            }
        }
        var b = "<h1>Raise a dispute</h1>"
        b += "<p>Use case references only. Never write a child's name.</p>"
        b += "<form method=\"post\" action=\"/raise\" novalidate>\(Layout.csrfField(context.csrf))"
        b += FormField.text(id: "ref", label: "Case reference of the dispute", value: f?["ref"], hint: "For example, DR-2026-0412. It must not be recorded already.", error: err("ref"))
        b += FormField.text(id: "child", label: "Child's case reference (if different)", value: f?["child"], hint: "The case reference only, never a name.", error: err("child"))
        let limits = childStatusLimits
        if !limits.isEmpty {
            // The same values as `dispute open --child-status` (checked by `Runtime.opening`).
            let options = [("", "Not recorded")] + ChildStatus.allCases.map { ($0.rawValue, Self.statusWords($0).capitalizedFirst) }
            b += FormField.select(id: "child-status", label: "Child's status", options: options, selected: f?["child-status"],
                                  hint: "Some limits depend on it: \(limits.joined(separator: "; ")). Record it whenever the child is on a plan.",
                                  error: err("child-status"))
        }
        b += FormField.select(id: "policy", label: "Procedure", options: policies.map { ($0.name, $0.title) }, selected: f?["policy"], error: err("policy"))
        b += FormField.select(id: "kind", label: "What you are raising", options: kinds, selected: f?["kind"] ?? "formal", error: err("kind"))
        b += FormField.select(id: "category", label: "Issue category", options: IssueCategory.allCases.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "-", with: " ").capitalizedFirst) },
                          selected: f?["category"], error: err("category"))
        b += FormField.select(id: "type", label: "Type", options: [("P", "Practice"), ("R", "Resources"), ("D", "Delay or drift")], selected: f?["type"], error: err("type"))
        if subjects.count > 1 {
            b += FormField.select(id: "subject", label: "Subject (timescale table)", options: subjects, selected: f?["subject"],
                              hint: "Only for procedures with timescales by type of dispute.", error: err("subject"))
        }
        b += FormField.text(id: "stage", label: "Stage to raise it at", value: f?["stage"] ?? "1", hint: "Usually 1. Skipping stages may need a reason.", error: err("stage"), width: "narrow")
        b += FormField.textarea(id: "reason", label: "Reason for raising above stage 1 (if any)", value: f?["reason"], error: err("reason"))
        b += FormField.text(id: "team", label: "Social work team (optional)", value: f?["team"], hint: "For the reports, for example North.", error: err("team"))
        if person.raiseRoles.count > 1 {
            b += FormField.select(id: "raised-as", label: "You raise it as", options: person.raiseRoles.map { ($0, app.title($0)) }, selected: f?["raised-as"], error: err("raised-as"))
        } else {
            b += "<input type=\"hidden\" name=\"raised-as\" value=\"\(esc(person.raiseRoles[0]))\">"
            if let e = err("raised-as") { b += "<p id=\"raised-as\" class=\"error-message\">\(esc(e))</p>" }
        }
        b += "<h2>People</h2><p class=\"hint\">Give the people for this case. Roles left empty are told at the addresses in the service's settings.</p>"
        for r in ownerRoles {
            b += FormField.text(id: "person-\(r)", label: "\(app.title(r)): email address (optional)", value: f?["person-\(r)"], error: err("person-\(r)"), type: "email")
        }
        b += FormField.checkbox(id: "about-owner", label: "The concern is about the Team Manager (or the usual owner of the stage)", checked: f?["about-owner"] == "yes",
                            hint: "The stage then goes to the next manager up, as the procedure says.")
        b += "<button type=\"submit\" class=\"button\">Raise the dispute</button></form>"
        return app.html(Page(title: "Raise a dispute", body: b, nav: .raise, errors: errors), context: context, status: status)
    }
}
