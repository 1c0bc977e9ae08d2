import DisputeCore

/// The notices of one enqueue transaction: at most `limit` outbox identities, with the
/// evaluations they come from. A poll that finds many notices due (the first poll after a bulk
/// import) fills one, renders and commits it, then starts the next: memory holds one batch of
/// rendered messages, and a kill keeps every batch committed before it.
///
/// Candidates are added in store order; a candidate whose identities (mail and webhooks) do
/// not all fit is split, the rest going to the next batch, so every batch but the last holds
/// exactly `limit` identities.
struct EnqueueBatch {
    let limit: Int
    private(set) var evaluated: [Evaluated] = []
    private(set) var candidates: [Candidate] = []
    /// The outbox identities of `candidates`, in order.
    private(set) var identities: [String] = []

    init(limit: Int) { self.limit = max(1, limit) }

    var isEmpty: Bool { identities.isEmpty }
    var isFull: Bool { identities.count >= limit }

    /// Adds the candidates of one evaluated dispute (their identities already filtered to those
    /// not known to be in the outbox; a candidate left with none is not added).
    ///
    /// - Parameter flush: called with each batch that became full, before it is emptied.
    mutating func add(_ e: Evaluated, candidates cands: [Candidate], flush: (EnqueueBatch) throws -> Void) throws {
        var source: Int?
        for var c in cands where !c.identities.isEmpty {
            while !c.identities.isEmpty {
                let room = limit - identities.count
                let head = Array(c.identities.prefix(room))
                if source == nil { evaluated.append(e); source = evaluated.count - 1 }
                var part = c
                part.identities = head
                part.source = source!
                candidates.append(part)
                identities.append(contentsOf: head.map(\.identity))
                c.identities.removeFirst(head.count)
                if isFull {
                    try flush(self)
                    removeAll()
                    source = nil
                }
            }
        }
    }

    mutating func removeAll() {
        evaluated.removeAll(keepingCapacity: true)
        candidates.removeAll(keepingCapacity: true)
        identities.removeAll(keepingCapacity: true)
    }
}
