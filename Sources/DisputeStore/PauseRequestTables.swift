import DisputeCore
import Foundation

// Pause requests from the web app (migration 007): someone the policy does not let pause asks,
// an approver approves (the dispute's `paused` event, through the Recorder) or declines (here).

/// One pause request as stored.
public struct PauseRequestRow: Sendable, Equatable {
    public var id: Int64
    public var disputeID: Int64
    public var requestedAt: Date
    public var requestedBy: Actor
    public var reason: String
    public var declinedAt: Date?
    public var declinedBy: String?
    public var declineReason: String?

    public init(id: Int64, disputeID: Int64, requestedAt: Date, requestedBy: Actor, reason: String,
                declinedAt: Date? = nil, declinedBy: String? = nil, declineReason: String? = nil) {
        self.id = id; self.disputeID = disputeID; self.requestedAt = requestedAt; self.requestedBy = requestedBy
        self.reason = reason; self.declinedAt = declinedAt; self.declinedBy = declinedBy; self.declineReason = declineReason
    }

    /// The pause that approved it: the dispute's first `paused` event at or after the request.
    public func approval(in d: Dispute) -> DisputeEvent? {
        guard declinedAt == nil else { return nil }
        return d.events.first { if case .paused = $0.change { $0.at >= requestedAt } else { false } }
    }

    /// Still waiting for an approver: not declined, not approved, and the dispute is open.
    public func isPending(in d: Dispute) -> Bool {
        guard declinedAt == nil, approval(in: d) == nil else { return false }
        return !d.events.contains { switch $0.change { case .resolved, .withdrawn: true; default: false } }
    }
}

extension SQLStore: PauseRequestStore {
    private static var pauseRequestColumns: String { """
        id, dispute_id, requested_at, requested_by, requested_role, reason, declined_at, declined_by, decline_reason
        """ }

    private static func pauseRequest(_ r: some SQLRow) -> PauseRequestRow {
        PauseRequestRow(id: r.int64(0), disputeID: r.int64(1), requestedAt: r.date(2), requestedBy: Actor(role: r.string(4), email: r.string(3)),
                        reason: r.string(5), declinedAt: r.optionalDate(6), declinedBy: r.optionalString(7), declineReason: r.optionalString(8))
    }

    /// Records a request; returns its id.
    public func addPauseRequest(disputeID: Int64, at: Date, by: Actor, reason: String) throws -> Int64 {
        try withDatabase { db in
            try db.first("""
                INSERT INTO pause_requests (dispute_id, requested_at, requested_by, requested_role, reason) VALUES (?, ?, ?, ?, ?)
                RETURNING id
                """, disputeID, at, by.email, by.role, reason, operation: "add a pause request") { $0.int64(0) } ?? 0
        }
    }

    /// The requests of one dispute, oldest first.
    public func pauseRequests(disputeID: Int64) throws -> [PauseRequestRow] {
        var out: [PauseRequestRow] = []
        try withDatabase { db in
            try db.query("SELECT \(Self.pauseRequestColumns) FROM pause_requests WHERE dispute_id = ? ORDER BY id",
                         arguments: [disputeID], operation: "read pause requests") { out.append(Self.pauseRequest($0)) }
        }
        return out
    }

    /// Requests still waiting (`PauseRequestRow.isPending`, as SQL): not declined, no pause
    /// recorded at or after them, on open disputes; newest first, at most `limit`. Cheap enough
    /// for every poll (the daemon tells approvers): each row looks its dispute up by key, never
    /// a scan of every open dispute.
    public func waitingPauseRequests(limit: Int) throws -> [PauseRequestRow] {
        var out: [PauseRequestRow] = []
        try withDatabase { db in
            try db.query("""
                SELECT \(Self.pauseRequestColumns) FROM pause_requests
                WHERE declined_at IS NULL AND EXISTS (SELECT 1 FROM disputes d WHERE d.id = pause_requests.dispute_id AND d.is_closed = 0)
                  AND NOT EXISTS (SELECT 1 FROM events e WHERE e.dispute_id = pause_requests.dispute_id
                                  AND e.kind = 'paused' AND e.at >= pause_requests.requested_at)
                ORDER BY id DESC LIMIT ?
                """, arguments: [limit], operation: "read pause requests") { out.append(Self.pauseRequest($0)) }
        }
        return out
    }

    /// Declines a request not declined yet; false when it already was (or does not exist).
    public func declinePauseRequest(id: Int64, at: Date, by email: String, reason: String) throws -> Bool {
        try withDatabase { db in
            try db.first("""
                UPDATE pause_requests SET declined_at = ?, declined_by = ?, decline_reason = ? WHERE id = ? AND declined_at IS NULL
                RETURNING id
                """, at, email, reason, id, operation: "decline a pause request") { _ in true } ?? false
        }
    }
}
