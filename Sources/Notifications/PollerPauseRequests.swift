import ServiceConfig
import DisputeCore
import DisputeStore
import Foundation
import Logging

extension Poller {
    /// Most waiting pause requests read per poll (newest first).
    static let pauseRequestLimit = 1_000

    /// The poll's step for pause requests: each request still waiting for an approver is told
    /// to the policy's pause approvers once (`pauseRequestNotices`, `planPauseRequestNotices`),
    /// enqueued in one write transaction that checks the outbox first. A request answered (or
    /// whose dispute closed) before the poll is not read, and tells nobody.
    ///
    /// - Throws: `StoreError` when the store cannot be read or written.
    func enqueuePauseRequestNotices(now: Date, dryRun: Bool, summary: inout TickSummary) async throws {
        // Every store drwatch opens keeps pause requests (`StoreBackend`); a bare repository does not.
        guard let requests = store as? any PauseRequestStore else { return }
        let (store, engineFor, config, templates) = (self.store, self.engineFor, self.config, self.templates)
        let planned: [PlannedMessage] = try await work.run {
            let waiting = try requests.waitingPauseRequests(limit: Self.pauseRequestLimit)
            guard !waiting.isEmpty else { return [] }
            let disputes = try store.read { try $0.disputes(ids: Array(Set(waiting.map(\.disputeID)))) }
            func planNew(_ r: any DisputeReading) throws -> [PlannedMessage] {
                var out: [PlannedMessage] = []
                for request in waiting.reversed() {   // oldest first
                    guard let d = disputes[request.disputeID], let engine = try? engineFor(d) else { continue }
                    let civil = engine.settings.civil
                    let notices = pauseRequestNotices(request, dispute: d, policy: engine.policy, civil: civil)
                    guard !notices.isEmpty else { continue }
                    let ids = notices.map(\.identity) + notices.flatMap { n in config.webhooks(for: n.role).map { webhookIdentity(n.identity, hook: $0) } }
                    let known = try r.knownIdentities(among: ids)
                    if known.count == ids.count { continue }
                    out += planPauseRequestNotices(notices, request: request, dispute: d, storeID: request.disputeID, policy: engine.policy,
                                                   evaluation: try? engine.evaluate(d, now: now), civil: civil, config: config,
                                                   templates: templates, known: known, now: now)
                }
                return out
            }
            if dryRun { return try store.read { try planNew($0) } }
            return try store.write { tx in
                let p = try planNew(tx)
                if !p.isEmpty { try tx.enqueue(p.map(\.item)) }
                return p
            }
        }
        guard !planned.isEmpty else { return }
        summary.enqueued += planned.count
        summary.planned += planned
        for p in planned {
            logger.info(dryRun ? "Would enqueue notification" : "Notification enqueued", metadata: [
                "dispute.ref": "\(p.item.ref ?? "")", "identity": "\(p.item.identity)", "channel": "\(p.channel)",
                "recipients": "\(p.item.recipients.count)", "reason": "\(p.reason)"])
        }
    }
}
