import Foundation

/// Where the store lives, read from the `database` setting in one place: a file path selects
/// the embedded SQLite store; a `postgresql://` (or `postgres://`) URL selects PostgreSQL.
///
/// The text of a location shown in messages and logs never holds a password (`description`).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL connection URL (libpq's form), without a password.
    case postgresql(url: String)

    /// Why a `database` setting was refused.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The longest `database` setting accepted (a path or a URL).
    public static let maxLength = 2_000

    /// Reads a `database` setting.
    ///
    /// - Throws: `Invalid` for an empty or overlong setting, a control character, or a
    ///   PostgreSQL URL that carries a password (it belongs in `database_password_file`).
    public init(setting: String) throws(Invalid) {
        guard !setting.isEmpty else { throw Invalid(description: "database is empty; give a file path or a postgresql:// URL") }
        guard setting.utf8.count <= Self.maxLength else {
            throw Invalid(description: "database is longer than \(Self.maxLength) bytes; give a shorter path or URL")
        }
        guard !setting.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw Invalid(description: "database contains a control character; give a plain file path or URL")
        }
        let lower = setting.lowercased()
        guard lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") else {
            self = .sqlite(path: setting)
            return
        }
        guard let parts = URLComponents(string: setting), parts.scheme != nil else {
            throw Invalid(description: "database is not a valid postgresql:// URL; write it as postgresql://HOST[:PORT]/DBNAME[?sslmode=verify-full]")
        }
        let passwordInQuery = (parts.queryItems ?? []).contains { ["password", "sslpassword"].contains($0.name.lowercased()) }
        guard parts.password == nil, !passwordInQuery else {
            throw Invalid(description: "database URL contains a password; remove it and put the password in a file named by database_password_file (or the systemd credential database-password)")
        }
        guard let db = parts.path.split(separator: "/").first, !db.isEmpty else {
            throw Invalid(description: "database URL names no database; write it as postgresql://HOST[:PORT]/DBNAME")
        }
        self = .postgresql(url: setting)
    }

    /// True for a file path (the embedded store).
    public var isSQLite: Bool { if case .sqlite = self { true } else { false } }

    /// The file path of a SQLite store; nil for PostgreSQL.
    public var filePath: String? { if case .sqlite(let p) = self { p } else { nil } }

    /// For messages and logs: the path, or the URL (which holds no password by construction).
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgresql(let url): url
        }
    }
}
