import ServiceConfig
import DisputeCore
import Foundation

// A repeated import (`drwatch import FILE --sync`, the drop folder) reads an export as the full
// or partial history of each dispute it mentions. This file decides, for one dispute, which of
// the export's events are already recorded, which are new, and which contradict what is
// recorded. Pure: no I/O, no clock; the engine then checks the new events (Recording).

/// One event as an export gives it.
public struct ExportedEvent: Sendable, Equatable {
    /// The line of its row in the file.
    public var line: Int
    public var event: DisputeEvent
    /// The export's own id of the event (`event_id` column), when it has one.
    public var eventID: String?

    public init(line: Int, event: DisputeEvent, eventID: String? = nil) {
        self.line = line; self.event = event; self.eventID = eventID
    }
}

/// One recorded event, with what the store knows of its origin.
public struct RecordedEvent: Sendable, Equatable {
    public var event: DisputeEvent
    /// The export id it was recorded with, if any.
    public var eventID: String?
    /// It was recorded from an import (`import:FILE`), not typed in drwatch.
    public var fromImport: Bool

    public init(event: DisputeEvent, eventID: String? = nil, fromImport: Bool = false) {
        self.event = event; self.eventID = eventID; self.fromImport = fromImport
    }
}

/// What to do with one exported event.
public enum ExportVerdict: Sendable, Equatable {
    /// Already recorded (the recorded event at this index): skipped.
    case recorded(Int)
    /// The same event as an earlier row of the file (its line): skipped.
    case repeats(line: Int)
    /// Not recorded: to be checked by the engine and appended.
    case new
    /// The recorded event with the same `event_id` (at this index) differs: a contradiction.
    case differs(Int)
    /// The dispute is recorded as opened otherwise (the recorded opening at this index).
    case openedOtherwise(Int)
    /// The dispute is recorded as closed by another event (at this index).
    case closedOtherwise(Int)
}

/// The verdict on every exported event of one dispute, and the recorded events the export
/// no longer has.
public struct ExportComparison: Sendable, Equatable {
    /// Parallel to the exported events given.
    public var verdicts: [ExportVerdict]
    /// Indices of recorded events that came from an import, fall within the time span of the
    /// exported events, and match none of them: the export dropped an event it had before.
    public var missing: [Int]

    /// The export contradicts what is recorded.
    public var isContradictory: Bool {
        !missing.isEmpty || verdicts.contains { switch $0 { case .differs, .openedOtherwise, .closedOtherwise: true; default: false } }
    }
}

public enum ExportMatching {
    /// Two events are the same when their time, their kind and content, and (when the export
    /// names who acted) who acted are the same.
    public static func same(_ exported: DisputeEvent, _ recorded: DisputeEvent) -> Bool {
        exported.at == recorded.at && exported.change == recorded.change && (exported.by == nil || exported.by == recorded.by)
    }

    /// Compares an export's events for one dispute with what is recorded.
    ///
    /// The rules, in order, for each exported event:
    /// 1. an `event_id` that a recorded event has: the same event (skipped) or, when it differs,
    ///    a contradiction (a recorded event is never changed);
    /// 2. an event equal to a recorded one not yet matched (time, kind, content, who when given;
    ///    a recorded event with another `event_id` is another event): skipped;
    /// 3. equal to an earlier exported event, or with the same `event_id`: a repeat, skipped;
    /// 4. an `opened` event when the dispute is recorded: a contradiction (it was opened otherwise);
    /// 5. a `resolved` or `withdrawn` event when the dispute is recorded as closed: a contradiction
    ///    (a different outcome for the same end);
    /// 6. otherwise new.
    /// Then every recorded event from an import that lies within the span of the exported
    /// events' times and was matched by none is missing (the export dropped it). Events typed
    /// in drwatch are never missing: they live beside the export.
    ///
    /// - Parameters:
    ///   - exported: the export's events for the dispute, in any order.
    ///   - recorded: the dispute's recorded history, in order (empty for a new dispute).
    public static func compare(_ exported: [ExportedEvent], with recorded: [RecordedEvent]) -> ExportComparison {
        var matched = Array(repeating: false, count: recorded.count)
        var verdicts: [ExportVerdict] = []
        verdicts.reserveCapacity(exported.count)
        var idIndex: [String: Int] = [:]
        for (i, r) in recorded.enumerated() { if let id = r.eventID, idIndex[id] == nil { idIndex[id] = i } }
        let closedAt = recorded.firstIndex { if case .resolved = $0.event.change { true } else if case .withdrawn = $0.event.change { true } else { false } }
        let openedAt = recorded.firstIndex { if case .opened = $0.event.change { true } else { false } }
        var seenIDs: [String: Int] = [:]          // event_id -> line, within the export

        for (k, e) in exported.enumerated() {
            if let id = e.eventID, let i = idIndex[id] {
                if same(e.event, recorded[i].event) { matched[i] = true; verdicts.append(.recorded(i)) }
                else { verdicts.append(.differs(i)) }
                continue
            }
            if let i = recorded.indices.first(where: { !matched[$0] && (recorded[$0].eventID == nil || recorded[$0].eventID == e.eventID)
                                                       && same(e.event, recorded[$0].event) }) {
                matched[i] = true
                verdicts.append(.recorded(i))
                continue
            }
            if let id = e.eventID, let line = seenIDs[id] { verdicts.append(.repeats(line: line)); continue }
            if let earlier = exported[..<k].firstIndex(where: { $0.eventID == nil && e.eventID == nil && same(e.event, $0.event) }) {
                verdicts.append(.repeats(line: exported[earlier].line)); continue
            }
            if let id = e.eventID { seenIDs[id] = e.line }
            switch e.event.change {
            case .opened where openedAt != nil: verdicts.append(.openedOtherwise(openedAt!))
            case .resolved where closedAt != nil, .withdrawn where closedAt != nil: verdicts.append(.closedOtherwise(closedAt!))
            default: verdicts.append(.new)
            }
        }

        // A recorded event already named by a contradiction is not reported again as missing.
        for v in verdicts {
            switch v { case .differs(let i), .openedOtherwise(let i), .closedOtherwise(let i): matched[i] = true; default: break }
        }
        var missing: [Int] = []
        if let first = exported.map(\.event.at).min(), let last = exported.map(\.event.at).max() {
            for (i, r) in recorded.enumerated() where !matched[i] && r.fromImport && r.event.at >= first && r.event.at <= last {
                missing.append(i)
            }
        }
        return ExportComparison(verdicts: verdicts, missing: missing)
    }
}
