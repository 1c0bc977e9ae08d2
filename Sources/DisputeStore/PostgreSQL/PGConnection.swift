import CPostgreSQL
import Foundation

/// A value bound to a PostgreSQL statement (`$1`, `$2`...), sent as text.
enum PGValue: Sendable {
    case null
    case text(String)
    case int(Int64)
    case bytes(Data)

    /// The text form PostgreSQL parses for the column's type (bytea as hex).
    var textForm: String? {
        switch self {
        case .null: nil
        case .text(let s): s
        case .int(let v): String(v)
        case .bytes(let d): "\\x" + d.map { String(format: "%02x", $0) }.joined()
        }
    }
}

/// One result row (text format), valid only inside the closure that received it.
struct PGRow {
    let result: OpaquePointer
    fileprivate let index: Int32

    var columnCount: Int32 { PQnfields(result) }
    func isNull(_ i: Int32) -> Bool { PQgetisnull(result, index, i) != 0 }
    func string(_ i: Int32) -> String {
        guard let p = PQgetvalue(result, index, i) else { return "" }
        return String(cString: p)
    }
    func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }
    func int64(_ i: Int32) -> Int64 { Int64(string(i)) ?? 0 }
    func int(_ i: Int32) -> Int { Int(int64(i)) }
    func bool(_ i: Int32) -> Bool { let s = string(i); return s == "t" || s == "true" || s == "1" }
    /// The type of a column (its OID: 20 bigint, 25 text, 17 bytea...).
    func typeOID(_ i: Int32) -> UInt32 { PQftype(result, i) }
}

/// One libpq connection, synchronous (like the SQLite and libcurl wrappers). Not thread-safe by
/// itself: its store serialises access. Errors are `StoreError` with neutral codes and
/// PostgreSQL's own message (which names tables and constraints, never bound values).
final class PGConnection {
    private(set) var handle: OpaquePointer?
    /// The URL without a password (for messages).
    let url: String

    /// Connects to `url` (libpq's URI form) with `password` (from a file; never in the URL).
    ///
    /// - Parameter applicationName: shown in `pg_stat_activity` (which instance holds what).
    /// - Throws: `StoreError` `.unavailable` when the server cannot be reached, `.cantOpen` when
    ///   it refuses the login.
    init(url: String, password: String?, applicationName: String = "drwatch") throws {
        self.url = url
        // Keepalives first, so the URL (expanded from dbname) may override them: a server that
        // vanished (a dead host, a failover) is noticed within about 20 s instead of hanging on
        // the kernel's two-hour default.
        var keys = ["keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                    "dbname", "application_name", "connect_timeout"]
        var values = ["1", "5", "2", "3", "20000", url, applicationName, "10"]
        if let password { keys.append("password"); values.append(password) }
        let conn = Self.withCStrings(keys) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { Self.clean(String(cString: PQerrorMessage($0))) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            // The server answered and refused this login (wrong user, password or database name, no
            // pg_hba.conf line, no CONNECT right): waiting will not fix it. Anything else (refused,
            // timed out, starting up, shutting down, a name that does not resolve) may pass.
            let refused = ["authentication", "password", "does not exist", "pg_hba.conf", "permission denied"]
                .contains { message.contains($0) }
            throw StoreError(refused ? .cantOpen : .unavailable, operation: "connect to \(url)",
                             message: message + (refused ? "; check the user, the database name and database_password_file" : ""))
        }
        handle = conn
        _ = try execute("SET TIME ZONE 'UTC'", operation: "configure the connection")
    }

    deinit { close() }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// True while the session is up (a lost connection ends every lock it held).
    var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server process serving this session (`pg_backend_pid()`), 0 when closed.
    var backendPID: Int64 { handle.map { Int64(PQbackendPID($0)) } ?? 0 }

    /// Runs one statement (placeholders `$1`...) and calls `row` for each result row.
    ///
    /// - Returns: the number of rows the statement affected (`PQcmdTuples`), 0 for others.
    @discardableResult
    func execute(_ sql: String, _ args: [PGValue] = [], operation: String, row: (PGRow) throws -> Void = { _ in }) throws -> Int {
        guard let handle else { throw StoreError(.misuse, operation: operation, message: "the connection is closed") }
        let texts = args.map(\.textForm)
        let result: OpaquePointer? = Self.withOptionalCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(args.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw StoreError(.unavailable, operation: operation, message: Self.clean(String(cString: PQerrorMessage(handle))))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw Self.error(result, connection: handle, operation: operation)
        }
        for i in 0..<PQntuples(result) { try row(PGRow(result: result, index: i)) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs several statements with no arguments (migrations) in one round trip.
    func executeScript(_ sql: String, operation: String) throws {
        guard let handle else { throw StoreError(.misuse, operation: operation, message: "the connection is closed") }
        guard let result = PQexec(handle, sql) else {
            throw StoreError(.unavailable, operation: operation, message: Self.clean(String(cString: PQerrorMessage(handle))))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw Self.error(result, connection: handle, operation: operation)
        }
    }

    /// The first row mapped by `map`, or nil.
    func first<T>(_ sql: String, _ args: [PGValue] = [], operation: String, map: (PGRow) throws -> T) throws -> T? {
        var out: T?
        try execute(sql, args, operation: operation) { row in if out == nil { out = try map(row) } }
        return out
    }

    // MARK: Errors

    /// Maps SQLSTATE classes to neutral codes; the message is PostgreSQL's primary text.
    static func error(_ result: OpaquePointer, connection: OpaquePointer, operation: String) -> StoreError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? clean(String(cString: PQerrorMessage(connection)))
        // A session that died under the statement (a server restart, a failover, a dropped
        // network) often comes with no SQLSTATE at all: whatever the state, it is an outage.
        let lost = PQstatus(connection) != CONNECTION_OK
        return StoreError(lost ? .unavailable : code(sqlstate: state), operation: operation, message: primary, backendCode: pack(state))
    }

    static func code(sqlstate state: String) -> StoreError.Code {
        switch state {
        case "40001", "40P01", "55P03": return .busy        // serialization failure, deadlock, lock not available
        case "53100": return .full
        case "25006": return .readOnly                      // read-only transaction (a standby)
        case "42501", "28000", "28P01": return .cantOpen
        case "XX001", "XX002": return .corrupt
        case "25001", "25P02": return .misuse               // already in a transaction, aborted transaction
        default: break
        }
        switch state.prefix(2) {
        case "23": return .constraint
        case "08", "57": return .unavailable                 // connection exception, operator intervention (shutdown)
        case "58": return .io
        case "P0": return .constraint                        // a trigger's RAISE (append-only tables)
        default: return .other
        }
    }

    /// SQLSTATE's five characters packed into an Int32 (base 36), for diagnostics.
    private static func pack(_ state: String) -> Int32 {
        state.utf8.reduce(Int32(0)) { acc, c in acc &* 36 &+ Int32(c) }
    }

    static func clean(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "; ")
    }

    // MARK: C strings

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { body($0) }
        }
    }

    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        if strings.isEmpty { return body(nil) }
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for p in pointers { free(p) } }
        return pointers.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { body($0) }
        }
    }
}
