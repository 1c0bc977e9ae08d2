import DisputeCore
import DisputeService
import DisputeStore
import Foundation

/// A change the web app asks to record.
enum WebWrite: Sendable {
    /// Raise a new dispute (checked by `Runtime.opening`, as `drwatch dispute open`).
    case open(OpeningFields)
    /// Record a change to a stored dispute (checked by `Runtime.apply`, as `drwatch dispute ...`).
    case change(ref: String, DisputeEvent.Change)
}

/// Why a write was refused.
enum WebWriteRefusal: Error, Sendable {
    /// The engine or policy said no: one line saying what and how to fix it.
    case refused(String)
    /// The case reference is taken (open) or unknown (change).
    case reference(String)
}

extension WebApp {
    /// The one place where the web app writes a dispute: the same checks as the command line
    /// (`Runtime.opening`, `Runtime.apply` inside one write transaction: read, check, append), with
    /// the signed-in person as the actor; every attempt goes to the audit trail.
    ///
    /// - Parameters:
    ///   - write: what to record.
    ///   - actor: the signed-in person in the role they act in.
    /// - Returns: the dispute with the change.
    /// - Throws: `WebWriteRefusal` (nothing written); `StoreError` for the store.
    func record(_ write: WebWrite, actor: Actor, context: WebContext) throws -> Dispute {
        let store = stores.next()
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
                let new = try runtime.opening(fields)
                try store.write { tx in
                    if try tx.existingRefs(among: [new.ref]).contains(new.ref) {
                        throw WebWriteRefusal.reference("\(new.ref) is already recorded; check the case reference, or find the dispute in My work")
                    }
                    try tx.insert(new)
                }
                dispute = new
            case .change(let ref, let change):
                dispute = try store.write { tx -> Dispute in
                    guard let stored = try tx.dispute(ref: ref) else { throw WebWriteRefusal.reference("no dispute \(ref) is recorded") }
                    let event = DisputeEvent(at: context.now, by: actor, change: change)
                    let updated = try runtime.apply(event, to: stored)
                    try tx.append(event, toRef: ref)
                    return updated
                }
            }
            audit(context, action, ref: ref, outcome: "done", detail: "as \(actor.role)")
            logger.info("Recorded from the web", metadata: ["dispute.ref": "\(ref)", "change": "\(action)", "role": "\(actor.role)"])
            return dispute
        } catch let e as DomainError {
            audit(context, action, ref: ref, outcome: "refused", detail: e.description)
            throw WebWriteRefusal.refused(e.description)
        } catch let e as WebWriteRefusal {
            audit(context, action, ref: ref, outcome: "refused", detail: "\(e)")
            throw e
        }
    }
}
