import DisputeCore
import DisputeStore
import Foundation

/// `drwatch-bench store [COUNT]`: `insertAll` of COUNT disputes (default 100,000) with three
/// events and one person each, in one transaction, into a fresh file (all open, plus a tenth
/// as many resolved ones that the open-only load must skip); then loading every open dispute
/// with its events and people, as `drwatch due` does; then one append and one lookup, for scale.
enum StoreBench {
    static func run() throws {
        let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100_000 : 100_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path

        let start = Date(timeIntervalSince1970: 1_795_424_400)
        let iro = Actor(role: "iro", email: "iro@council.example")
        let disputes = (0..<(count + count / 10)).map { i -> Dispute in
            let at = start.addingTimeInterval(Double(i))
            let closing: DisputeEvent.Change = i >= count ? .resolved(outcome: "agreed") : .note("chased the team manager")
            return Dispute(ref: "CASE-\(i)", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                           division: .englandAndWales, team: "Team \(i % 40)", raisedBy: iro,
                           people: ["team-manager": ["tm\(i % 300)@council.example"]],
                           events: [DisputeEvent(at: at, by: iro, change: .opened(stage: 1)),
                                    DisputeEvent(at: at.addingTimeInterval(86_400), by: iro, change: .escalated(toStage: 2, reason: "no reply")),
                                    DisputeEvent(at: at.addingTimeInterval(172_800), by: iro, change: closing)])
        }

        let store = try Stores.open(setting: path)
        try store.migrate()
        let insert = try time { try store.insertAll(disputes) }
        var open: [Dispute] = []
        let load = try time { open = try Stores.open(setting: path).disputes(openOnly: true) }
        let loadAgain = try time { open = try store.disputes(openOnly: true) }
        let events = open.reduce(0) { $0 + $1.events.count }
        let append = try time { try store.append(DisputeEvent(at: start, change: .note("x")), toRef: "CASE-\(count / 2 + 1)") }
        let lookup = try time { _ = try store.dispute(ref: "CASE-\(count / 2 + 1)") }
        func fileSize(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
        let size = fileSize(path) + fileSize(path + "-wal")

        print("store: insertAll \(disputes.count) disputes (\(disputes.count * 3) events) in one transaction: \(ms(insert)) ms (budget 10000)")
        print("store: load \(open.count) open disputes with \(events) events: \(ms(load)) ms cold connection, \(ms(loadAgain)) ms warm (budget 1000)")
        print("store: append one event \(String(format: "%.2f", append * 1000)) ms, load one dispute \(String(format: "%.2f", lookup * 1000)) ms; file \(size / 1_048_576) MiB")
    }

    private static func time(_ body: () throws -> Void) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
    private static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}
