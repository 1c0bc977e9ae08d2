import DisputeCore
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// A change the web app asks to record.
enum WebWrite: Sendable {
    /// Raise a new dispute (checked by `Runtime.opening`, as `drwatch dispute open`).
    case open(OpeningFields)
    /// Record a change to a stored dispute (checked by `Runtime.apply`, as `drwatch dispute ...`).
    case change(ref: String, DisputeEvent.Change)
}

/// Why a write was refused: the recorder's one-line reason, and the field it concerns.
struct WebWriteRefusal: Error, Sendable {
    var field: DisputeCore.Field?
    var message: String
}

extension WebApp {
    /// The one place where the web app writes a dispute: DisputeService's `Recorder` (the same
    /// checks as the command line and an import: `Runtime.opening`/`Runtime.apply` in one write
    /// transaction), with the signed-in person as the actor, `now` of the request, and origin
    /// `web`; every attempt goes to the audit trail.
    ///
    /// - Parameters:
    ///   - write: what to record.
    ///   - actor: the signed-in person in the role they act in.
    ///   - naming: how the refusal names a field (the form's label for it).
    /// - Returns: the dispute with the change.
    /// - Throws: `WebWriteRefusal` (nothing written); `StoreError` for the store.
    func record(_ write: WebWrite, actor: Actor, context: WebContext, naming: (DisputeCore.Field) -> String = { $0.label }) throws -> Dispute {
        let recorder = Recorder(runtime: runtime, store: stores.next(), origin: .web)
        let action: String, ref: String
        switch write {
        case .open(let f): action = "open"; ref = f.ref
        case .change(let r, let change): action = change.name; ref = r
        }
        do {
            let dispute: Dispute
            switch write {
            case .open(var fields):
                fields.raisedBy = actor
                fields.at = context.now
                dispute = try recorder.open(fields).0
            case .change(let ref, let change):
                dispute = try recorder.record(change, ref: ref, by: actor, at: context.now).0
            }
            audit(context, action, ref: ref, outcome: "done", detail: "as \(actor.role)")
            logger.info("Recorded from the web", metadata: ["dispute.ref": "\(ref)", "change": "\(action)", "role": "\(actor.role)"])
            return dispute
        } catch let e as DomainError {
            audit(context, action, ref: ref, outcome: "refused", detail: e.description)
            // Roles by their titles, as the pages name them (the policy's when the form names one).
            let policy: String? = switch write {
            case .open(let f): f.policy
            case .change(let ref, _): (try? stores.next().dispute(ref: ref))?.policy
            }
            let titles: (String) -> String = { role in policy.flatMap { self.runtime.policies[$0]?.policy.title(of: role) } ?? self.title(role) }
            throw WebWriteRefusal(field: e.field, message: e.message(naming: naming, roles: titles, terms: { self.say($0, policy: policy) }))
        }
    }

    /// How a page says a term a refusal names (`DomainError.message(naming:roles:terms:)`): a
    /// procedure by its title, a kind by its title in the dispute's policy (`policy`), with "a"
    /// or "an"; a hint in the form's words, never the command line's.
    func say(_ term: Term, policy: String?) -> String {
        switch term {
        case .policy(let name):
            return runtime.policies[name]?.policy.title ?? name
        case .kind(let kind, let article):
            let title = policy.flatMap { runtime.policies[$0]?.policy }.flatMap { p in RecordKind(rawValue: kind).flatMap { p.kinds[$0]?.title } } ?? kind
            guard article else { return title }
            return ("aeiou".contains(title.prefix(1).lowercased()) ? "an " : "a ") + title
        case .hint(_, let form):
            return form
        }
    }
}
