import Foundation
import Testing

/// Prometheus metrics: `drwatch metrics` and the daemon's `[metrics] textfile` hold text that
/// parses under the text-format rules, with the figures of the store.
@Suite("Metrics")
struct MetricsTests {
    /// Parses `text` with prometheus_client's parser (python3-prometheus-client) and prints
    /// `name{labels} value` per sample, sorted, or the parser's error (exit 1).
    static func parse(_ text: String) throws -> Drwatch.Result {
        let dir = try Drwatch.tempDir()
        let file = dir.appendingPathComponent("metrics.prom")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try BackupTests.python("""
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for f in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in f.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    out.append(f"{s.name}{{{labels}}} {s.value:g} {f.type}")
            print("\\n".join(sorted(out)))
            """, [file.path])
    }

    /// The rules of the text format (0.0.4) that prometheus_client's parser does not enforce:
    /// every line is a comment or a sample; HELP then TYPE once per family, before its samples;
    /// a family's samples are together; names and label names are valid; the text ends with LF.
    static func strictProblems(_ text: String) -> [String] {
        var problems: [String] = []
        guard text.hasSuffix("\n") else { return ["no trailing newline"] }
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        let sample = try! Regex(#"^(\#(name))(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$"#)
        var typed: [String: String] = [:], helped: Set<String> = [], finished: Set<String> = []
        var current: String?
        for line in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 4, parts[2].wholeMatch(of: try! Regex(name)) != nil else { problems.append("bad comment: \(line)"); continue }
                let family = parts[2]
                if family != current { if let c = current { finished.insert(c) }; current = family }
                if finished.contains(family) { problems.append("\(family) split") }
                if parts[1] == "HELP" {
                    if !helped.insert(family).inserted { problems.append("second HELP for \(family)") }
                } else {
                    if typed[family] != nil { problems.append("second TYPE for \(family)") }
                    guard ["counter", "gauge", "summary", "histogram", "untyped"].contains(parts[3]) else { problems.append("bad type: \(line)"); continue }
                    typed[family] = parts[3]
                }
                continue
            }
            guard let m = line.wholeMatch(of: sample), let metric = m.output[1].substring.map(String.init) else {
                problems.append("not a sample: \(line)"); continue
            }
            let family = typed[metric] != nil ? metric
                : ["_sum", "_count", "_bucket"].compactMap { metric.hasSuffix($0) ? String(metric.dropLast($0.count)) : nil }.first { typed[$0] != nil } ?? metric
            guard typed[family] != nil else { problems.append("sample before its TYPE: \(line)"); continue }
            if family != current { problems.append("\(family) sample outside its family") }
        }
        return problems
    }

    /// Four disputes, one breached; one tick at the send time enqueues and sends its notices to
    /// the file transport (one channel, "files").
    static func workspace(_ store: StoreKind = .sqlite) throws -> Workspace {
        let ws = try Workspace(store: store)
        try ws.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        #expect(try ws.openFormal("DR-1", at: "2026-11-23T10:00").status == 0)
        #expect(try ws.openFormal("DR-2", at: "2026-11-23T10:00").status == 0)
        #expect(try ws.openFormal("DR-OLD", at: "2026-06-01T10:00").status == 0)
        #expect(try ws.openFormal("DR-3", at: "2026-11-20T10:00").status == 0)
        #expect(try ws.run(["dispute", "resolve", "DR-3", "--outcome", "agreed", "--at", "2026-11-24T10:00"]).status == 0)
        #expect(try ws.run(["tick", "--at", "2026-11-25T12:00"]).status == 0)
        return ws
    }

    @Test(arguments: StoreKind.all)
    func metricsParseUnderTheTextFormatRulesWithTheStoresFigures(_ store: StoreKind) throws {
        let ws = try Self.workspace(store)
        let r = try ws.run(["metrics", "--at", "2026-11-25T12:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.strictProblems(r.stdout) == [])
        let parsed = try Self.parse(r.stdout)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let enqueued = try ws.scalar("SELECT COUNT(*) FROM outbox")
        let sent = try ws.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        #expect(enqueued == sent)
        #expect(parsed.stdout == """
            drwatch_last_poll_duration_seconds{} nan gauge
            drwatch_last_successful_poll_timestamp_seconds{} 0 gauge
            drwatch_notifications_enqueued_total{channel="files"} \(enqueued) counter
            drwatch_notifications_failed_total{channel="files"} 0 counter
            drwatch_notifications_parked_total{channel="files"} 0 counter
            drwatch_notifications_sent_total{channel="files"} \(sent) counter
            drwatch_open_disputes{state="due-soon"} 0 gauge
            drwatch_open_disputes{state="due-today"} 0 gauge
            drwatch_open_disputes{state="on-track"} 2 gauge
            drwatch_open_disputes{state="overdue"} 0 gauge
            drwatch_open_disputes{state="paused"} 0 gauge
            drwatch_open_disputes{state="statutory-at-risk"} 0 gauge
            drwatch_open_disputes{state="statutory-breached"} 1 gauge
            drwatch_outbox_messages{state="failed"} 0 gauge
            drwatch_outbox_messages{state="parked"} 0 gauge
            drwatch_outbox_messages{state="pending"} 0 gauge
            drwatch_poll_duration_seconds_count{} 0 summary
            drwatch_poll_duration_seconds_sum{} 0 summary
            drwatch_poll_failures_total{} 0 counter
            drwatch_polls_total{} 0 counter

            """)
    }

    @Test func theStrictCheckerCatchesBrokenText() {
        #expect(Self.strictProblems("x 1") == ["no trailing newline"])
        #expect(Self.strictProblems("# TYPE a gauge\na{l=\"unterminated} 1\n") == ["not a sample: a{l=\"unterminated} 1"])
        #expect(Self.strictProblems("b 1\n") == ["sample before its TYPE: b 1"])
        #expect(Self.strictProblems("# TYPE a gauge\n# TYPE a gauge\na 1\n") == ["second TYPE for a"])
    }

    @Test func theDaemonWritesTheTextfileAfterEachPoll() throws {
        // Without a dispute closed just before the daemon starts: main's Poller traps on its
        // second poll after dropping a closed dispute whose closing notices are sent
        // (Engine.evaluateAll precondition, contexts vs disputes; reported, not fixed here).
        let ws = try Workspace()
        try ws.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        #expect(try ws.openFormal("DR-1", at: "2026-11-23T10:00").status == 0)
        #expect(try ws.openFormal("DR-OLD", at: "2026-06-01T10:00").status == 0)
        let prom = ws.dir.appendingPathComponent("drwatch.prom")
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "\n[metrics]\ntextfile = \"\(prom.path)\"\n"
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        let daemon = try DaemonStoreTests.run(ws, at: "2026-11-25T12:00:00Z", polls: 2, name: "metrics")
        let polls = daemon.log.components(separatedBy: "Poll done").count - 1
        let file = try String(contentsOf: prom, encoding: .utf8)
        #expect(Self.strictProblems(file) == [])
        let parsed = try Self.parse(file)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        // Written after the last poll: it counts every poll.
        #expect(parsed.stdout.contains("drwatch_polls_total{} \(polls) counter\n"), "\(parsed.stdout)")
        #expect(parsed.stdout.contains("drwatch_open_disputes{state=\"statutory-breached\"} 1 gauge\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: prom.path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.dir.path).filter { $0.hasSuffix(".tmp") } == [])
    }

    @Test(arguments: [
        ("textfile = \"relative.prom\"", "must be an absolute path ending in .prom"),
        ("textfile = \"/tmp/drwatch.txt\"", "must be an absolute path ending in .prom"),
        ("token_file = \"\"", "is empty"),
    ])
    func badMetricsKeysAreConfigErrors(line: String, message: String) throws {
        let ws = try Workspace()
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "\n[metrics]\n\(line)\n"
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        let r = try ws.run(["check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
