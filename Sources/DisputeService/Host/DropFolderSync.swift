#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#endif
import DisputeStore
import Foundation
import Logging

// The drop folder (`[import] directory`): at each poll the daemon syncs every CSV file that was
// already there, unchanged, at the previous poll (DropFolder.ready), each in one transaction;
// then moves it to `done/` (every row recorded or already there) or `failed/` (any row refused),
// with `NAME.report.txt` beside it, and tells the admin role through the outbox when a file
// failed. Killed at any moment, nothing is half done: the transaction commits whole or not at
// all, and the file moves only after the commit (a file synced but not yet moved is synced
// again at the next poll, which skips everything and moves it).

/// What became of one file.
public struct DropFileOutcome: Sendable, Equatable {
    public var file: String
    /// `done` or `failed`.
    public var folder: String
    public var summary: String
}

public final class DropFolderSync: @unchecked Sendable {
    /// The largest file the folder takes (a nightly export of 100,000 disputes is ~50 MB).
    public static let maxFileBytes: Int64 = 512 * 1024 * 1024

    let runtime: Runtime
    let store: any DisputeRepository
    let templates: TemplateSet
    let logger: Logger
    let directory: URL
    /// Test only: stop the process (SIGSTOP) inside the transaction, before it commits, so a
    /// test can kill it there (`DRWATCH_TEST_STOP_IN_IMPORT`).
    let stopBeforeCommit: Bool
    private let lock = NSLock()
    private var seen: [String: DropFileState] = [:]

    public init(runtime: Runtime, store: any DisputeRepository, templates: TemplateSet, logger: Logger,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.runtime = runtime
        self.store = store
        self.templates = templates
        self.logger = logger
        directory = URL(fileURLWithPath: runtime.config.imports.directory ?? "/nonexistent")
        #if DEBUG
        stopBeforeCommit = environment["DRWATCH_TEST_STOP_IN_IMPORT"] == "1"
        #else
        stopBeforeCommit = false   // the test-only stop exists in debug builds only
        #endif
    }

    /// Syncs the files that are ready.
    ///
    /// - Returns: what became of each file taken at this poll.
    /// - Throws: the store's errors (a busy database: the file stays for the next poll).
    public func poll(now: Date) throws -> [DropFileOutcome] {
        lock.lock()
        defer { lock.unlock() }
        let listing = list()
        let (ready, next) = DropFolder.ready(listing: listing, previous: seen)
        seen = next
        var outcomes: [DropFileOutcome] = []
        for name in ready {
            outcomes.append(try sync(name, now: now))
            seen[name] = nil
        }
        return outcomes
    }

    /// One poll with no earlier listing (`drwatch tick`): syncs the files not modified since
    /// `settledBefore` (read against the file system's clock, not the poll's `now`).
    ///
    /// - Parameter dryRun: only name the files that would be synced.
    /// - Returns: what became of each file (for a dry run, folder `""` and what would be read).
    public func pollOnce(now: Date, settledBefore cutoff: Date, dryRun: Bool) throws -> [DropFileOutcome] {
        lock.lock()
        defer { lock.unlock() }
        let names = DropFolder.settled(listing: list(), before: cutoff)
        if dryRun { return names.map { DropFileOutcome(file: $0, folder: "", summary: "\($0): would be imported") } }
        return try names.map { try sync($0, now: now) }
    }

    /// The regular files in the folder, by name.
    private func list() -> [String: DropFileState] {
        var out: [String: DropFileState] = [:]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            logger.warning("The import folder cannot be read", metadata: ["import.directory": "\(directory.path)"])
            return out
        }
        for name in names where DropFolder.isCandidate(name) {
            var st = stat()
            guard lstat(directory.appendingPathComponent(name).path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
            out[name] = DropFileState(size: Int64(st.st_size), modified: modified)
        }
        return out
    }

    private func sync(_ name: String, now: Date) throws -> DropFileOutcome {
        let path = directory.appendingPathComponent(name)
        logger.info("Importing a file from the import folder", metadata: ["import.file": "\(name)"])
        var report = ""
        var failed = false
        var whole = false
        var summary = ""
        var refusedDisputes = 0
        let attributes = try? FileManager.default.attributesOfItem(atPath: path.path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        if size > Self.maxFileBytes {
            failed = true; whole = true
            summary = "\(name): larger than \(Self.maxFileBytes / 1024 / 1024) MB; nothing was imported"
            report = summary + "\n"
        } else if let data = FileManager.default.contents(atPath: path.path) {
            let strict = runtime.config.imports.strict
            let stop = stopBeforeCommit
            let result = try Recorder(runtime: runtime, store: store).sync([UInt8](data), file: name, strict: strict, dryRun: false,
                                                                          beforeCommit: { if stop { raise(SIGSTOP) } })
            switch result {
            case .failure(let f):
                failed = true; whole = true
                summary = "\(name): the file cannot be read as an export; nothing was imported"
                report = summary + "\n" + f.problems.map { "\(name):\($0.line): \($0.message)\n" }.joined()
            case .success(let plan):
                failed = plan.refused > 0
                whole = strict && failed
                refusedDisputes = plan.refusedDisputes.count
                summary = whole ? "\(name): \(plan.refused) rows refused; nothing was imported (strict = true)" : plan.summary(file: name)
                report = summary + "\n" + plan.refusals(file: name)
            }
        } else {
            // Unreadable (permissions): leave it; the admin sees the warning at every poll.
            logger.warning("A file in the import folder cannot be read; check its permissions", metadata: ["import.file": "\(name)"])
            return DropFileOutcome(file: name, folder: "", summary: "\(name): cannot be read")
        }

        let folder = failed ? "failed" : "done"
        let target = directory.appendingPathComponent(folder)
        try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let stamp = CivilTimeStamp.compact(now)
        let base = (name as NSString).deletingPathExtension
        let moved = target.appendingPathComponent("\(base)-\(stamp).csv")
        let reportURL = target.appendingPathComponent("\(base)-\(stamp).report.txt")
        try? Data(report.utf8).write(to: reportURL, options: .atomic)
        if rename(path.path, moved.path) != 0 {
            logger.error("An imported file could not be moved out of the import folder; it will be read again (and skipped) at the next poll",
                         metadata: ["import.file": "\(name)", "import.folder": "\(folder)"])
        }
        if failed {
            logger.warning("An imported file had refused rows", metadata: ["import.file": "\(name)", "import.summary": "\(summary)"])
            if let item = AdminNotices.importFailed(config: runtime.config, templates: templates, file: name, whole: whole, disputes: refusedDisputes, summary: summary,
                                             folder: target.path, report: reportURL.lastPathComponent, now: now) {
                try store.enqueue([item])
            }
        } else {
            logger.info("Imported a file", metadata: ["import.file": "\(name)", "import.summary": "\(summary)"])
        }
        return DropFileOutcome(file: name, folder: folder, summary: summary)
    }
}

/// `20261203T020001Z`: a UTC stamp for file names.
enum CivilTimeStamp {
    static func compact(_ d: Date) -> String {
        var t = time_t(d.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

/// The daemon's poll with a drop folder: sync the files that are ready, then the notification
/// pipeline (so what a file recorded is acted on in the same poll).
public struct ImportingPollWork: PollWork {
    public let dropFolder: DropFolderSync
    public let work: any PollWork
    public init(dropFolder: DropFolderSync, work: any PollWork) { self.dropFolder = dropFolder; self.work = work }

    public func poll(now: Date) async throws -> PollReport {
        _ = try dropFolder.poll(now: now)
        return try await work.poll(now: now)
    }
}
