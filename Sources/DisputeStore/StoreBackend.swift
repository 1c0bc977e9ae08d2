import DisputeCore
import Foundation

// The store as the rest of drwatch sees it: one protocol that every backend implements
// (SQLite today, PostgreSQL next), opened through one factory (`Stores.open`). Nothing outside
// this module names a backend's type.

/// The web app's reads of disputes and outbox (store ids are the opaque numbers in its addresses).
public protocol WebDisputeQueries: Sendable {
    /// The disputes (open and closed) that name `email`: raised by it, or listing it among their
    /// people; at most `limit`, newest first.
    func disputes(naming email: String, limit: Int) throws -> [DisputeRecord]
    /// Open disputes with no person of their own in one of `roles`; at most `limit`, oldest first.
    func openDisputes(routedToConfigRoles roles: [String], limit: Int) throws -> [DisputeRecord]
    /// Open disputes, filtered by exact team, policy (either nil: any); at most `limit`.
    func openDisputes(team: String?, policy: String?, limit: Int) throws -> [DisputeRecord]
    /// The store id of a dispute, or `nil`.
    func disputeID(ref: String) throws -> Int64?
    /// The dispute with store id `id`, or `nil`.
    func dispute(id: Int64) throws -> Dispute?
    /// The store ids of these references (unknown ones are left out).
    func disputeIDs(refs: [String]) throws -> [String: Int64]
    /// The distinct teams of open disputes, sorted.
    func openTeams() throws -> [String]
    /// The outbox messages of one dispute, oldest first.
    func outbox(ref: String) throws -> [OutboxEntry]
}

/// Pause requests from the web app (migration 007): recorded, listed and declined here; an
/// approval is the dispute's own `paused` event.
public protocol PauseRequestStore: Sendable {
    /// Records a request; returns its id.
    func addPauseRequest(disputeID: Int64, at: Date, by: Actor, reason: String) throws -> Int64
    /// The requests of one dispute, oldest first.
    func pauseRequests(disputeID: Int64) throws -> [PauseRequestRow]
    /// Requests still waiting, newest first, at most `limit`.
    func waitingPauseRequests(limit: Int) throws -> [PauseRequestRow]
    /// Declines a request not declined yet; false when it already was (or does not exist).
    func declinePauseRequest(id: Int64, at: Date, by email: String, reason: String) throws -> Bool
}

/// The right to plan and send notifications, held by one drwatch at a time per store.
///
/// SQLite: an exclusive `flock` beside the database file, released by the kernel when the
/// process dies. A server backend holds it for the life of a database session. Keep the object
/// for as long as this process sends; `release()` (or dropping it) gives the right up.
public protocol SenderLease: AnyObject, Sendable {
    /// False once the right was lost (the session that held it ended): stop sending at once.
    var isHeld: Bool { get }
    /// Gives the right up (idempotent).
    func release()
}

/// A store, whatever its backend: disputes and outbox (`DisputeRepository`), the web app's
/// sessions and reads, sign-ins in progress, its schema, and who may send.
public protocol StoreBackend: DisputeRepository, WebSessionStore, OIDCSignInStore, WebDisputeQueries, PauseRequestStore, OperationsStore {
    /// Where it lives (never holds a password).
    var location: StoreLocation { get }
    /// The migrations `migrate()` would apply now (empty when the schema is up to date).
    func pendingMigrations() throws -> [String]
    /// Takes the right to send, or fails at once without waiting.
    ///
    /// - Parameter instance: this process's name for status lines (host and pid).
    /// - Throws: `StoreError` `.heldByAnother` (naming the holder when known) when another
    ///   drwatch holds it; other `StoreError`s when the store cannot be asked.
    func claimSender(instance: String) throws -> any SenderLease
    /// Who holds the right to send, as the instance named itself when it took it (`HOST:PID`;
    /// PostgreSQL), or nil when nobody does or the backend cannot tell (SQLite's file lock).
    ///
    /// Once a lease was claimed through a store that fences (PostgreSQL), every transaction of
    /// that store first checks the lease still holds and throws `.heldByAnother` when it does not.
    func currentSender() throws -> String?
    /// Copies the store into a new single file at `destination`, checked (SQLite only).
    ///
    /// - Throws: `StoreError` `.unsupported` for a backend with its own backup tools.
    func backup(to destination: String) throws -> BackupSummary
}

/// The one place that turns a location into a store.
public enum Stores {
    /// Opens the store at `location` (a SQLite file is created, mode 0600, when missing; its
    /// folder must exist). Call `migrate()` before the first use of a new store.
    ///
    /// - Parameter busyTimeout: how long a write waits for another writer before `.busy`.
    /// - Throws: `StoreError` (`.schemaTooNew`, `.cantOpen`, `.unsupported`...).
    /// - Parameter password: PostgreSQL's password (read from `database_password_file` or the
    ///   systemd credential by the caller); never logged, never part of an error.
    public static func open(_ location: StoreLocation, busyTimeout: Duration = .seconds(5), password: String? = nil) throws -> any StoreBackend {
        switch location {
        case .sqlite(let path):
            return try SQLiteStore(path: path, busyTimeout: busyTimeout)
        case .postgresql(let url):
            return try PGStore(url: url, password: password)
        }
    }

    /// Opens a store from a `database` setting (see `StoreLocation(setting:)`).
    public static func open(setting: String, busyTimeout: Duration = .seconds(5)) throws -> any StoreBackend {
        let location: StoreLocation
        do { location = try StoreLocation(setting: setting) } catch {
            throw StoreError(.cantOpen, operation: "open the database", message: error.description)
        }
        return try open(location, busyTimeout: busyTimeout)
    }

    /// True when the store exists already: the SQLite file is there; a server database always is
    /// (whether its schema is there is `pendingMigrations()`'s answer).
    public static func exists(_ location: StoreLocation) -> Bool {
        switch location {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgresql: true
        }
    }

    /// The SQLite library loaded at run time, e.g. "3.40.1" (`drwatch --version`).
    public static var sqliteLibraryVersion: String { SQLiteStore.libraryVersion }
}
