import Foundation

/// PostgreSQL's sender right: a session-level advisory lock (`pg_try_advisory_lock`) on a
/// connection of its own, held for the life of that database session. When the process dies
/// or its connection is lost, the server ends the session and releases the lock, so another
/// instance can take it; `isHeld` turns false at once on this side when the connection is gone
/// (checked with a round trip), and the daemon stops sending before another instance starts.
///
/// Fencing: the store that claimed the lease checks, inside each of its transactions, that the
/// server still grants the lock to this lease's session (`checkFence`). The server's lock table
/// is the truth: while it grants the lock to this session no other instance can hold it, and
/// once it does not, no outbox claim or mark of this store commits.
final class PGSenderLease: SenderLease, StoreFence, @unchecked Sendable {
    /// The lock's key: "drwatch" + "s" (one right per database).
    static let key: Int64 = 0x6472_7761_7463_6873
    private static let keyHigh = Int64(UInt64(bitPattern: key) >> 32), keyLow = key & 0xffff_ffff
    private let lock = NSLock()
    private var connection: PGConnection?
    /// The server process of the session holding the lock, 0 once released or lost.
    private var holderPID: Int64

    /// Takes the lock on a new connection, or throws at once.
    ///
    /// - Throws: `StoreError` `.heldByAnother` naming the holder's `application_name`
    ///   (`drwatch-sender HOST:PID`) when another session holds it.
    init(url: String, password: String?, instance: String) throws {
        let c = try PGConnection(url: url, password: password, applicationName: Self.namePrefix + instance)
        // The server notices a vanished host (no FIN, no RST) within about 11 s and ends the
        // session, which releases the lock for a standby (TCP connections; a unix socket needs none).
        try c.execute("SET tcp_keepalives_idle = 5", operation: "configure the sender session")
        try c.execute("SET tcp_keepalives_interval = 2", operation: "configure the sender session")
        try c.execute("SET tcp_keepalives_count = 3", operation: "configure the sender session")
        let got = try c.first("SELECT pg_try_advisory_lock($1)", [.int(Self.key)], operation: "take the sender lock") { $0.bool(0) } ?? false
        guard got else {
            let holder = try? Self.holder(on: c)
            c.close()
            throw StoreError(.heldByAnother, operation: "take the sender lock",
                             message: "another drwatch instance sends for this database (\(holder ?? "holder unknown")); this one waits and takes over if it stops")
        }
        connection = c
        holderPID = c.backendPID
    }

    private static let holderSQL = """
        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """

    /// The `application_name` of the session holding the sender lock, or nil.
    static func holder(on c: PGConnection) throws -> String? {
        try c.first(PGDatabase.translate(holderSQL), [.int(keyHigh), .int(keyLow)], operation: "find the sender") { $0.string(0) }
    }

    /// The holder as other instances name it (`HOST:PID`, without the `drwatch-sender ` of
    /// its `application_name`), through a store's connection (inside its transaction).
    static func holderInstance<DB: SQLDatabase>(in db: DB) throws -> String? {
        let name = try db.first(holderSQL, keyHigh, keyLow, operation: "find the sender") { $0.string(0) }
        return name.map { String(($0.hasPrefix(namePrefix) ? String($0.dropFirst(namePrefix.count)) : $0).prefix(200)) }
    }

    /// What the lease's session calls itself before the instance's name.
    static let namePrefix = "drwatch-sender "

    var isHeld: Bool {
        lock.withLock {
            guard let c = connection else { return false }
            // A round trip: a dead session answers with an error, not with a stale "yes".
            let alive = (try? c.first("SELECT 1", operation: "check the sender lock") { $0.int(0) }) == 1
            if !alive { c.close(); connection = nil; holderPID = 0 }
            return alive
        }
    }

    func checkFence<DB: SQLDatabase>(in db: DB) throws {
        let pid = lock.withLock { holderPID }
        let granted = pid == 0 ? 0 : try db.first("""
            SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ? AND objsubid = 1 AND pid = ?
            """, Self.keyHigh, Self.keyLow, pid, operation: "check the right to send") { $0.int64(0) } ?? 0
        guard granted == 1 else {
            throw StoreError(.heldByAnother, operation: "check the right to send",
                             message: "this instance no longer holds the right to send (its database session ended); nothing was written, and another instance may take over")
        }
    }

    func release() {
        lock.withLock {
            holderPID = 0
            guard let c = connection else { return }
            _ = try? c.execute("SELECT pg_advisory_unlock($1)", [.int(Self.key)], operation: "give up the sender lock")
            c.close()
            connection = nil
        }
    }

    deinit { release() }
}
