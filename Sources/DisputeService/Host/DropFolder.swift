import ServiceConfig
import Recording
import Notifications
import Foundation

// The drop folder (`[import] directory`): an export job writes a CSV file there, the daemon
// syncs it and moves it to `done/` or `failed/`. This part decides which files are ready.
// Pure: the caller lists the folder.

/// What a listing of the drop folder saw of one file.
public struct DropFileState: Sendable, Equatable {
    public var size: Int64
    public var modified: Date
    public init(size: Int64, modified: Date) { self.size = size; self.modified = modified }
}

public enum DropFolder {
    /// A name the daemon takes: ends with `.csv` (any case) and does not start with a dot. An
    /// export job writes under another name (`x.csv.part`, `.x.csv`) and renames the file into
    /// place when it is complete.
    public static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.lowercased().hasSuffix(".csv") && name.count > 4
    }

    /// The files ready to sync: candidates seen at the previous poll with the same size and
    /// modification time (a file still growing, or renamed into place since, waits one more poll).
    ///
    /// - Parameters:
    ///   - listing: the folder now, by name.
    ///   - previous: the folder at the previous poll (what this returned as `seen`).
    /// - Returns: the names ready, sorted (oldest name order: exports usually carry a date), and
    ///   what to pass as `previous` next time.
    public static func ready(listing: [String: DropFileState], previous: [String: DropFileState])
        -> (ready: [String], seen: [String: DropFileState]) {
        var ready: [String] = []
        var seen: [String: DropFileState] = [:]
        for (name, state) in listing where isCandidate(name) {
            seen[name] = state
            if previous[name] == state { ready.append(name) }
        }
        return (ready.sorted(), seen)
    }

    /// The files ready for a one-off poll (`drwatch tick`), which has no previous listing:
    /// candidates not modified since `settledBefore` (a file renamed into place or still growing
    /// after that waits), sorted by name.
    public static func settled(listing: [String: DropFileState], before cutoff: Date) -> [String] {
        listing.filter { isCandidate($0.key) && $0.value.modified <= cutoff }.map(\.key).sorted()
    }
}
