import Foundation

/// PostgreSQL's sender right: a session-level advisory lock (`pg_try_advisory_lock`) on a
/// connection of its own, held for the life of that database session. When the process dies
/// or its connection is lost, the server ends the session and releases the lock, so another
/// instance can take it; `isHeld` turns false at once on this side when the connection is gone
/// (checked with a round trip), and the daemon stops sending before another instance starts.
final class PGSenderLease: SenderLease, @unchecked Sendable {
    /// The lock's key: "drwatch" + "s" (one right per database).
    static let key: Int64 = 0x6472_7761_7463_6873
    private let lock = NSLock()
    private var connection: PGConnection?

    /// Takes the lock on a new connection, or throws at once.
    ///
    /// - Throws: `StoreError` `.heldByAnother` naming the holder's `application_name`
    ///   (`drwatch-sender HOST:PID`) when another session holds it.
    init(url: String, password: String?, instance: String) throws {
        let c = try PGConnection(url: url, password: password, applicationName: "drwatch-sender \(instance)")
        let got = try c.first("SELECT pg_try_advisory_lock($1)", [.int(Self.key)], operation: "take the sender lock") { $0.bool(0) } ?? false
        guard got else {
            let holder = try? Self.holder(on: c)
            c.close()
            throw StoreError(.heldByAnother, operation: "take the sender lock",
                             message: "another drwatch instance sends for this database (\(holder ?? "holder unknown")); this one waits and takes over if it stops")
        }
        connection = c
    }

    /// The `application_name` of the session holding the sender lock, or nil.
    static func holder(on c: PGConnection) throws -> String? {
        let hi = Int64(UInt64(bitPattern: key) >> 32), lo = key & 0xffff_ffff
        return try c.first("""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
            """, [.int(hi), .int(lo)], operation: "find the sender") { $0.string(0) }
    }

    var isHeld: Bool {
        lock.withLock {
            guard let c = connection else { return false }
            // A round trip: a dead session answers with an error, not with a stale "yes".
            let alive = (try? c.first("SELECT 1", operation: "check the sender lock") { $0.int(0) }) == 1
            if !alive { c.close(); connection = nil }
            return alive
        }
    }

    func release() {
        lock.withLock {
            guard let c = connection else { return }
            _ = try? c.execute("SELECT pg_advisory_unlock($1)", [.int(Self.key)], operation: "give up the sender lock")
            c.close()
            connection = nil
        }
    }

    deinit { release() }
}
