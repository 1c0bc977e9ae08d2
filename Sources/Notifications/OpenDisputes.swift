#if canImport(Glibc)
import ServiceConfig
import Recording
import Glibc
#endif
import DisputeCore
import DisputeStore
import Foundation
import WorkingDays

// What a Poller keeps between polls, so that a poll with nothing new reads almost nothing:
// the open disputes (without their people: the engine does not need them), grouped by engine
// for `Engine.evaluateAll`, brought up to date from the store's change token; and the outbox
// identities known to be enqueued, as 64-bit hashes.
//
// Used only on the Poller's serial work queue.

/// The open disputes, as the engine needs them, kept up to date with the store's changes.
final class OpenDisputes: @unchecked Sendable {
    /// Disputes evaluated by one engine (one policy, one division).
    struct Key: Hashable {
        var policy: String
        var division: Division
    }

    final class Group {
        let key: Key
        var disputes: [Dispute] = []
        var ids: [Int64] = []
        var contexts: [EngineContext] = []
        /// Reused from poll to poll.
        var batch = EvaluationBatch()
        init(key: Key) { self.key = key }
    }

    /// What `refresh` did.
    enum Refresh: Equatable {
        /// Everything was read (first poll, a store without change tracking, or a rebuilt store).
        case full
        /// Only the disputes changed since the last poll were read.
        case changed(Int)
        /// Nothing changed.
        case unchanged
    }

    private(set) var groups: [Group] = []
    private var groupIndex: [Key: Int] = [:]
    private var location: [Int64: (group: Int32, index: Int32)] = [:]
    private var token: ChangeToken?
    private var contextsCurrent = false
    /// Open disputes the store could not read (a bad row), by store id: left out of `groups`.
    private var unreadableByID: [Int64: UnreadableDispute] = [:]

    /// Disputes kept after they were resolved or withdrawn, until their closing notices are in the
    /// outbox (`dropClosed`), for at most `closingNoticeWindow` after they closed.
    private(set) var closedIDs = Set<Int64>()

    /// How long after a dispute closed its closing notices are still sent (a daemon stopped longer
    /// than this, or an import of old closed disputes, sends none): the bound on what is re-read.
    static let closingNoticeWindow: TimeInterval = 7 * 86_400

    /// The open disputes (those kept only for their closing notices are not counted).
    var count: Int { location.count - closedIDs.count }

    /// Whether a closed dispute still has closing notices to send: it closed within the window.
    static func closedRecently(_ d: Dispute, now: Date) -> Bool {
        guard let last = d.events.last(where: { $0.change.kind == .resolved || $0.change.kind == .withdrawn }) else { return false }
        return last.at >= now.addingTimeInterval(-closingNoticeWindow) && last.at <= now
    }

    /// Stops evaluating these closed disputes (their closing notices are known to be in the outbox).
    func dropClosed(_ ids: [Int64]) {
        for id in ids where closedIDs.remove(id) != nil { remove(id) }
    }

    /// The open disputes left out for a bad row (an impossible date...), by store id.
    var unreadable: [UnreadableDispute] { unreadableByID.sorted { $0.key < $1.key }.map(\.value) }

    /// Brings the disputes up to date, in the reader's snapshot.
    ///
    /// - Parameter preload: called after a full read (same snapshot), to reload caches that
    ///   depend on which disputes are open.
    func refresh(from r: any DisputeReading, now clock: Date, preload: () throws -> Void) throws -> Refresh {
        let now = try r.changeToken()
        if let now, let token, now.epoch == token.epoch, now.seq >= token.seq {
            if now.seq == token.seq { return .unchanged }
            var bad: [UnreadableRecord] = []
            let changed = try r.disputeRecords(openOnly: false, changedAfter: token.seq, people: false, shareStrings: true, unreadable: &bad)
            for record in changed {
                unreadableByID[record.id] = nil
                if record.isClosed && !Self.closedRecently(record.dispute, now: clock) {
                    closedIDs.remove(record.id)
                    remove(record.id)
                } else {
                    if record.isClosed { closedIDs.insert(record.id) } else { closedIDs.remove(record.id) }
                    upsert(record)
                }
            }
            for b in bad {
                closedIDs.remove(b.id)
                remove(b.id)
                unreadableByID[b.id] = b.isClosed ? nil : b.dispute
            }
            self.token = now
            contextsCurrent = false
            return .changed(changed.count + bad.count)
        }
        // First read, no change tracking, or the history went backwards (a restored or rebuilt store).
        groups = []
        groupIndex = [:]
        location = [:]
        closedIDs = []
        token = nil
        contextsCurrent = false
        var bad: [UnreadableRecord] = []
        var records = try r.disputeRecords(openOnly: true, changedAfter: nil, people: false, shareStrings: true, unreadable: &bad)
        // And those closed within the window, for their closing notices (dropped by the poll that finds them in the outbox).
        var badClosed: [UnreadableRecord] = []
        for c in try r.closedRecords(since: clock.addingTimeInterval(-Self.closingNoticeWindow), shareStrings: true, unreadable: &badClosed)
        where Self.closedRecently(c.dispute, now: clock) {
            closedIDs.insert(c.id)
            records.append(c)
        }
        unreadableByID = Dictionary(bad.map { ($0.id, $0.dispute) }, uniquingKeysWith: { a, _ in a })
        location.reserveCapacity(records.count)
        // Exact capacities: no doubling while 100,000 disputes are appended.
        var sizes: [Key: Int] = [:]
        for i in records.indices { sizes[Key(policy: records[i].dispute.policy, division: records[i].dispute.division), default: 0] += 1 }
        for (key, n) in sizes {
            let g = Group(key: key)
            g.disputes.reserveCapacity(n)
            g.ids.reserveCapacity(n)
            groupIndex[key] = groups.count
            groups.append(g)
        }
        var last: (key: Key, group: Group, index: Int32)?
        for i in records.indices {
            let key = Key(policy: records[i].dispute.policy, division: records[i].dispute.division)
            if last?.key != key { let gi = groupIndex[key]!; last = (key, groups[gi], Int32(gi)) }
            let g = last!.group
            location[records[i].id] = (last!.index, Int32(g.disputes.count))
            g.disputes.append(records[i].dispute)
            g.ids.append(records[i].id)
        }
        records = []
        try preload()
        token = now
        // A full read allocates twice what it keeps; give the freed pages back.
        releaseFreeMemory()
        return .full
    }

    private func upsert(_ record: DisputeRecord) {
        let key = Key(policy: record.dispute.policy, division: record.dispute.division)
        if let at = location[record.id] {
            let g = groups[Int(at.group)]
            if g.key == key {
                g.disputes[Int(at.index)] = record.dispute
                return
            }
            remove(record.id)
        }
        let gi: Int
        if let existing = groupIndex[key] { gi = existing } else {
            gi = groups.count
            groups.append(Group(key: key))
            groupIndex[key] = gi
        }
        let g = groups[gi]
        location[record.id] = (Int32(gi), Int32(g.disputes.count))
        g.disputes.append(record.dispute)
        g.ids.append(record.id)
        contextsCurrent = false
    }

    private func remove(_ id: Int64) {
        guard let at = location.removeValue(forKey: id) else { return }
        // The groups' contexts are parallel to their disputes: rebuilt before the next evaluation.
        contextsCurrent = false
        let g = groups[Int(at.group)]
        let i = Int(at.index), last = g.disputes.count - 1
        if i != last {
            g.disputes.swapAt(i, last)
            g.ids.swapAt(i, last)
            location[g.ids[i]] = (at.group, Int32(i))
        }
        g.disputes.removeLast()
        g.ids.removeLast()
    }

    /// The engine's repeat-alert context of every dispute: how many records of the same kind were
    /// raised earlier for the same child, over every record in the store, closed ones included
    /// (`earlierRecordCounts`, as `repeatContexts(store:for:)`); recomputed only after a change.
    ///
    /// - Parameter earlierRecordCounts: the store's query, read in the same snapshot as `refresh`.
    func updateContexts(earlierRecordCounts: () throws -> [String: Int]) rethrows {
        if contextsCurrent { return }
        let counts = try earlierRecordCounts()
        for g in groups {
            g.contexts = g.disputes.map { EngineContext(earlierRecordsForChild: counts[$0.ref] ?? 0) }
        }
        contextsCurrent = true
    }
}

/// Outbox identities known to be enqueued, as 64-bit hashes (SipHash, seeded per process): a
/// poll checks every due intent against it without keeping a string per identity. The outbox
/// never deletes a row, so a known identity stays known; the set is rebuilt at each full read.
///
/// A false "known" needs two identities of this process to share 64 bits (about 1 in 10^8 for
/// a million identities over a daemon's life), and would not survive a restart.
struct KnownIdentities {
    private var hashes = Set<Int>()

    var count: Int { hashes.count }

    static func hash(_ identity: String) -> Int {
        var h = Hasher()
        add(identity, to: &h)
        return h.finalize()
    }

    /// `hash(webhookIdentity(identity, hook: hook))` without building the string.
    static func hash(_ identity: String, hook: String) -> Int {
        var h = Hasher()
        add(identity, to: &h)
        add("@", to: &h)
        add(hook, to: &h)
        return h.finalize()
    }

    private static func add(_ s: String, to h: inout Hasher) {
        var s = s
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    func contains(_ identity: String) -> Bool { hashes.contains(Self.hash(identity)) }
    func contains(hash: Int) -> Bool { hashes.contains(hash) }
    mutating func insert(_ identity: String) { hashes.insert(Self.hash(identity)) }
    mutating func insert<S: Sequence>(_ identities: S) where S.Element == String { for i in identities { insert(i) } }
    mutating func removeAll() { hashes = [] }
}

/// Returns freed heap pages to the system (glibc's `malloc_trim`, not in Swift's Glibc module);
/// nothing elsewhere.
func releaseFreeMemory() {
    #if canImport(Glibc)
    typealias Trim = @convention(c) (Int) -> Int32
    struct Once { nonisolated(unsafe) static let trim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) } }
    _ = Once.trim?(0)
    #endif
}
