import Foundation

// `drwatch copy-store FROM TO`: a whole store copied between SQLite and PostgreSQL (either way),
// checked table by table. The tables come from the migrations both backends have applied (one
// list: the schema itself), never from a second hand-written list.

/// What `StoreCopy.copy` did, table by table.
public struct StoreCopyReport: Sendable, Equatable {
    /// One table: its rows and checksum as read from the source and, after the copy, from the target.
    public struct Table: Sendable, Equatable {
        public var name: String
        public var sourceRows: Int
        public var targetRows: Int
        /// Hex: the sum (mod 2^256) of the SHA-256 of every row's canonical rendering
        /// (`CopyChecksum`), so the order the rows are read in does not matter.
        public var sourceChecksum: String
        public var targetChecksum: String
        public var matches: Bool { sourceRows == targetRows && sourceChecksum == targetChecksum }
    }
    /// The migrations both stores now have (the source's).
    public var migrations: [String]
    public var tables: [Table]
    /// Migrations the target's backend knows beyond the source's schema: `drwatch init` on the
    /// target applies them after the copy.
    public var laterMigrations: [String]
    public var allMatch: Bool { tables.allSatisfy(\.matches) }
}

/// Why `StoreCopy.copy` refused or failed; the target is left as it was (or without the copied
/// rows, for `copyDiffers`).
public struct StoreCopyError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// FROM and TO name the same store.
        case sameStore
        /// FROM does not exist, or holds no drwatch schema.
        case sourceMissing
        /// The two stores' migrations cannot be brought to the same schema.
        case schemaDiffers
        /// TO already holds rows.
        case targetNotEmpty
        /// The copy read back differs from the source (rolled back; `report` says where).
        case copyDiffers
    }
    public var kind: Kind
    public var description: String
    /// The per-table comparison, for `copyDiffers`.
    public var report: StoreCopyReport?

    init(_ kind: Kind, _ description: String, report: StoreCopyReport? = nil) {
        self.kind = kind; self.description = description; self.report = report
    }
}

/// Copies a whole store into an empty one and verifies it.
public enum StoreCopy {
    /// Copies every table of the schema FROM has into TO, in one transaction on each side (a
    /// snapshot of FROM; all of TO or nothing), then reads TO back in the same transaction and
    /// compares row counts and checksums with FROM's; commits only when every table matches.
    ///
    /// Before anything is written: FROM must exist and hold a drwatch schema; every migration it
    /// has must be one TO's backend knows, with none missing in between; TO must have no
    /// migration FROM lacks and no rows in any table but those the migrations fill themselves.
    /// TO is then migrated to exactly FROM's schema. Values are copied as stored (times are
    /// integer milliseconds, flags 0/1, payloads bytes, on both backends), with the triggers
    /// of TO set aside during the copy so that change counters and counts are copied, not redone.
    ///
    /// - Parameters:
    ///   - source, target: the stores (a SQLite path or a PostgreSQL URL without a password).
    ///   - sourcePassword, targetPassword: PostgreSQL's passwords (never logged, never in an error).
    /// - Returns: the per-table report (every table matches).
    /// - Throws: `StoreCopyError` for a refusal or a copy that differs; `StoreError` from either store.
    ///   A SQLite target file created by a failed copy is removed.
    public static func copy(from source: StoreLocation, password sourcePassword: String? = nil,
                            to target: StoreLocation, password targetPassword: String? = nil) throws -> StoreCopyReport {
        guard source != target else {
            throw StoreCopyError(.sameStore, "FROM and TO are the same store (\(source)); name two different stores")
        }
        if let path = source.filePath, !FileManager.default.fileExists(atPath: path) {
            throw StoreCopyError(.sourceMissing, "FROM \(path) does not exist; check the path (nothing was written)")
        }
        let from = try openEndpoint(source, password: sourcePassword)
        let created = target.filePath.flatMap { FileManager.default.fileExists(atPath: $0) ? nil : $0 }
        do {
            let to = try openEndpoint(target, password: targetPassword)
            return try copy(from: from, to: to)
        } catch {
            if let created { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(created + suffix) } }
            throw error
        }
    }

    private static func openEndpoint(_ location: StoreLocation, password: String?) throws -> any CopyEndpoint {
        switch location {
        case .sqlite(let path): try SQLiteCopyEndpoint(path: path)
        case .postgresql(let url): try PGCopyEndpoint(url: url, password: password)
        }
    }

    static func copy(from: any CopyEndpoint, to: any CopyEndpoint) throws -> StoreCopyReport {
        let applied = try from.appliedMigrations()
        guard !applied.isEmpty else {
            throw StoreCopyError(.sourceMissing, "FROM (\(from.location)) holds no drwatch store (no migrations applied); check the path or URL (nothing was written)")
        }
        // TO's rows first (in the tables its own migrations made): the refusal that matters most.
        let targetApplied = try to.appliedMigrations()
        let existing = CopyPlan.tables(of: to.known.filter { targetApplied.contains($0.name) })
        var occupied: [String] = []
        for table in existing.tables where !existing.seeded.contains(table) {
            let rows = try to.count(table)
            if rows > 0 { occupied.append("\(table) \(rows)") }
        }
        guard occupied.isEmpty else {
            throw StoreCopyError(.targetNotEmpty, "TO (\(to.location)) already holds data (rows: \(occupied.joined(separator: ", "))); "
                + "copy-store fills only an empty store and never overwrites: name a new SQLite file, or a new PostgreSQL database (createdb); nothing was written")
        }
        let plan = try CopyPlan.migrations(sourceApplied: applied, targetKnown: to.known.map(\.name), targetApplied: targetApplied,
                                           targetBackend: to.backendName)
        let schema = try CopyPlan.tables(source: from.known, target: to.known, applied: Set(plan))
        try to.migrate(only: Set(plan))
        var columns: [String: [String]] = [:]
        for table in schema.tables {
            let mine = try from.columns(table), theirs = try to.columns(table)
            guard Set(mine) == Set(theirs), !mine.isEmpty else {
                let onlyFrom = mine.filter { !theirs.contains($0) }, onlyTo = theirs.filter { !mine.contains($0) }
                throw StoreCopyError(.schemaDiffers, "table \(table) has different columns in FROM and TO (only in FROM: \(list(onlyFrom)); only in TO: \(list(onlyTo))) "
                    + "although both have the same migrations; this drwatch's two schemas disagree: report it (nothing was copied)")
            }
            columns[table] = mine
        }
        let later = Array(to.known.map(\.name).dropFirst(plan.count))
        return try from.readTransaction { () throws -> StoreCopyReport in
            try to.writeTransaction { () throws -> StoreCopyReport in
                var source: [String: (rows: Int, sum: CopyChecksum)] = [:]
                let restore = try to.setTriggersAside(tables: schema.tables)
                for table in schema.tables {
                    let names = columns[table]!
                    if schema.seeded.contains(table) { try to.deleteAll(table) }
                    var sum = CopyChecksum(), rows = 0
                    var batch: [[SQLValue]] = []
                    let size = to.batchSize(columns: names.count)
                    try from.read(table, columns: names) { row in
                        sum.add(row); rows += 1
                        batch.append(row)
                        if batch.count >= size { try to.insert(table, columns: names, rows: batch); batch.removeAll(keepingCapacity: true) }
                    }
                    if !batch.isEmpty { try to.insert(table, columns: names, rows: batch) }
                    source[table] = (rows, sum)
                }
                try restore()
                try to.finishCopy(tables: schema.tables)
                var report = StoreCopyReport(migrations: plan, tables: [], laterMigrations: later)
                for table in schema.tables {
                    var sum = CopyChecksum(), rows = 0
                    try to.read(table, columns: columns[table]!) { row in sum.add(row); rows += 1 }
                    let mine = source[table]!
                    report.tables.append(.init(name: table, sourceRows: mine.rows, targetRows: rows,
                                               sourceChecksum: mine.sum.hex, targetChecksum: sum.hex))
                }
                guard report.allMatch else {
                    let bad = report.tables.filter { !$0.matches }.map(\.name)
                    throw StoreCopyError(.copyDiffers, "the copy read back from TO differs from FROM in \(bad.joined(separator: ", ")); "
                        + "it was rolled back (TO keeps its schema and no rows); a value FROM holds does not survive the other backend", report: report)
                }
                return report
            }
        }
    }

    private static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
}

/// The pure part of a copy: which migrations TO gets, and which tables are copied.
enum CopyPlan {
    /// The migrations to apply to TO, in TO's order: exactly FROM's.
    ///
    /// - Throws: `StoreCopyError.schemaDiffers` naming the migrations when FROM has one TO's
    ///   backend does not know (yet), when FROM lacks one that TO's backend applies before
    ///   others FROM has, or when TO has one FROM lacks.
    static func migrations(sourceApplied: [String], targetKnown: [String], targetApplied: [String],
                           targetBackend: String) throws(StoreCopyError) -> [String] {
        let unknown = sourceApplied.filter { !targetKnown.contains($0) }
        guard unknown.isEmpty else {
            throw StoreCopyError(.schemaDiffers, "FROM has migration\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) that this drwatch cannot apply to \(targetBackend) yet; "
                + "both stores must have the same schema: use a drwatch that has \(unknown.count == 1 ? "it" : "them") for \(targetBackend) (nothing was written)")
        }
        let plan = Array(targetKnown.prefix(sourceApplied.count))
        let gaps = plan.filter { !sourceApplied.contains($0) }
        guard gaps.isEmpty else {
            throw StoreCopyError(.schemaDiffers, "FROM lacks migration\(gaps.count == 1 ? "" : "s") \(gaps.joined(separator: ", ")), which come\(gaps.count == 1 ? "s" : "") before others it has; "
                + "bring FROM up to date with drwatch init first (nothing was written)")
        }
        let extra = targetApplied.filter { !sourceApplied.contains($0) }
        guard extra.isEmpty else {
            throw StoreCopyError(.schemaDiffers, "TO already has migration\(extra.count == 1 ? "" : "s") \(extra.joined(separator: ", ")) that FROM lacks; "
                + "copy into a new SQLite file or a new PostgreSQL database (createdb), or bring FROM up to date with drwatch init first (nothing was written)")
        }
        return plan
    }

    /// The tables of a schema, in the order the migrations create them (so a table comes after
    /// those it references), and those the migrations fill themselves (`INSERT INTO`: a counter
    /// row, counts), whose rows in TO are replaced by FROM's.
    struct Schema: Equatable {
        var tables: [String]
        var seeded: Set<String>
    }

    static func tables(of migrations: [Migration]) -> Schema {
        var tables: [String] = []
        var seeded = Set<String>()
        for migration in migrations {
            for match in migration.sql.matches(of: statement) {
                let verb = match.output[1].substring.map { $0.uppercased() } ?? ""
                guard let name = match.output[2].substring.map({ $0.lowercased() }) else { continue }
                if verb.hasPrefix("CREATE") { if !tables.contains(name) { tables.append(name) } }
                else if verb.hasPrefix("DROP") { tables.removeAll { $0 == name } }
                else { seeded.insert(name) }
            }
        }
        return Schema(tables: tables, seeded: seeded.intersection(tables))
    }

    /// `CREATE TABLE x`, `DROP TABLE x`, `INSERT INTO x`.
    nonisolated(unsafe) private static let statement = try! Regex(
        #"(?i)\b(CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|INSERT\s+INTO)\s+"?([A-Za-z_][A-Za-z0-9_]*)"#)

    /// The tables both backends' migrations give for the `applied` ones.
    ///
    /// - Throws: `StoreCopyError.schemaDiffers` when they differ (naming the tables).
    static func tables(source: [Migration], target: [Migration], applied: Set<String>) throws(StoreCopyError) -> Schema {
        let mine = tables(of: source.filter { applied.contains($0.name) })
        let theirs = tables(of: target.filter { applied.contains($0.name) })
        guard Set(mine.tables) == Set(theirs.tables) else {
            let onlyFrom = mine.tables.filter { !theirs.tables.contains($0) }, onlyTo = theirs.tables.filter { !mine.tables.contains($0) }
            throw StoreCopyError(.schemaDiffers, "the same migrations give different tables in FROM and TO (only in FROM: \(onlyFrom.joined(separator: ", ")); "
                + "only in TO: \(onlyTo.joined(separator: ", "))); this drwatch's two schemas disagree: report it (nothing was written)")
        }
        return Schema(tables: theirs.tables, seeded: mine.seeded.union(theirs.seeded))
    }
}
