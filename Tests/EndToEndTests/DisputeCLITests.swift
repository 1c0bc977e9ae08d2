import Foundation
import Testing

/// `drwatch init`, `check-config` and `dispute ...` through the built binary: output, exit codes
/// and what the database holds afterwards.
@Suite("drwatch init, check-config and dispute (end to end)")
struct DisputeCLITests {
    @Test func initCreatesThePrivateDatabaseOnceAndThenDoesNothing() throws {
        let w = try Workspace(initialise: false)
        let first = try w.run(["init"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("created database \(w.database.path) (mode 0600)\napplied migration 001-"))
        let mode = try FileManager.default.attributesOfItem(atPath: w.database.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try w.run(["init"])
        #expect(again.status == 0)
        #expect(again.stdout == "database \(w.database.path) exists\nschema up to date; nothing to do\n")
    }

    @Test func commandsOtherThanInitRefuseAMissingDatabase() throws {
        let w = try Workspace(initialise: false)
        let r = try w.run(["dispute", "list"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("drwatch init"))
        #expect(!FileManager.default.fileExists(atPath: w.database.path))
    }

    @Test func checkConfigSummarisesEachPolicy() throws {
        let w = try Workspace(initialise: false)
        try w.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        let r = try w.run(["check-config"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("config \(w.config.path): OK"))
        #expect(r.stdout.contains("policy four-stage (\(Workspace.fourStage)): qop-alert (1 stage), good-practice, formal (5 stages), collective (1 stage); statutory total 20 working days"))
    }

    @Test(arguments: ["config/drwatch.toml", "config/demo/drwatch.toml"])
    func checkConfigPassesTheShippedConfig(_ path: String) throws {
        let r = try Drwatch.run(["check-config", "--config", Drwatch.packageRoot.appendingPathComponent(path).path])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func checkConfigNamesARoleAPolicyCanNotifyButNobodyReceives() throws {
        let w = try Workspace(initialise: false)
        try w.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles.filter { $0 != "iro-service-manager" })
        let r = try w.run(["check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("no address for role iro-service-manager,"))
        #expect(r.stderr.contains("add it under [roles]"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func checkConfigNamesTheFileAndLineOfABadPolicy() throws {
        let w = try Workspace(initialise: false)
        let bad = try w.file("bad.toml", Array("name = \"bad\"\ntitle = \"x\"\nsurprise = 1\n[kind.formal]\ntitle = \"f\"\n".utf8))
        try w.writeConfig(policies: [Workspace.fourStage, bad])
        let r = try w.run(["check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.hasPrefix("drwatch: \(bad):"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func checkConfigRefusesTwoPoliciesWithOneName() throws {
        let w = try Workspace(initialise: false)
        try w.writeConfig(policies: [Workspace.fourStage, Workspace.fourStage])
        let r = try w.run(["check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("\(w.config.path):3:"))
    }

    /// open → escalate → pause → resume → extend → note → refer-cafcass → resolve.
    @Test func aDisputeLivesThroughEveryChange() throws {
        let w = try Workspace()
        var r = try w.openFormal("DR-1")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "DR-1: opened (formal, four-stage) at 2026-11-23T10:00:00+00:00; stage 1 (owner team-manager) due 2026-11-30T17:00:00+00:00, 5 working days left; statutory total due 2026-12-21T17:00:00+00:00; state on-track\n")

        r = try w.run(["dispute", "escalate", "DR-1", "--at", "2026-11-24T09:00", "--by", "iro:iro@council.example"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("DR-1: escalated to stage 2 at 2026-11-24T09:00:00+00:00; stage 2 (owner service-manager) due 2026-12-01T17:00:00+00:00"))

        r = try w.run(["dispute", "pause", "DR-1", "--approved-by", "head-of-service-safeguarding:hos@council.example",
                       "--reason", "awaiting court date", "--at", "2026-11-25T09:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("state paused\n"))

        // Paused Wed 25 to Fri 27 Nov: two working days (26, 27) are added to both clocks.
        r = try w.run(["dispute", "resume", "DR-1", "--at", "2026-11-27T09:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("due 2026-12-03T17:00:00+00:00"))
        #expect(r.stdout.contains("statutory total due 2026-12-23T17:00:00+00:00"))

        r = try w.run(["dispute", "extend", "DR-1", "--working-days", "2", "--agreed-by", "iro:iro@council.example", "--at", "2026-11-27T10:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stage 2 (owner service-manager) due 2026-12-07T17:00:00+00:00"))

        #expect(try w.run(["dispute", "note", "DR-1", "Meeting booked, see case notes", "--at", "2026-11-27T11:00"]).status == 0)
        #expect(try w.run(["dispute", "intend-cafcass", "DR-1", "--reason", "rights at risk", "--at", "2026-11-27T11:30", "--by", "iro:iro@council.example"]).status == 0)
        #expect(try w.run(["dispute", "refer-cafcass", "DR-1", "--at", "2026-11-27T12:00", "--by", "iro:iro@council.example"]).status == 0)

        r = try w.run(["dispute", "resolve", "DR-1", "--outcome", "care plan amended", "--at", "2026-11-30T15:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "DR-1: resolved (care plan amended) at 2026-11-30T15:00:00+00:00; state resolved\n")

        #expect(w.eventCount == 9)
        #expect(try w.scalar("SELECT is_closed FROM disputes WHERE ref = 'DR-1'") == "1")
        let shown = try json(try w.run(["dispute", "show", "DR-1", "--json", "--at", "2026-12-01"]).stdout) as! [String: Any]
        #expect(shown["state"] as? String == "resolved")
        let events = shown["events"] as! [[String: Any]]
        #expect(events.map { $0["event"] as! String } == ["opened", "escalated", "paused", "resumed", "extended", "note", "cafcass-intended", "cafcass-referral", "resolved"])
        #expect(events[2]["approver_role"] as? String == "head-of-service-safeguarding")
        #expect(events[4]["working_days"] as? Int == 2)

        let open = try w.run(["dispute", "list"])
        #expect(open.stdout == "REF  KIND  POLICY  STAGE  STATUS  OPENED\n")
        let all = try w.run(["dispute", "list", "--all"])
        #expect(all.stdout.contains("DR-1  formal  four-stage  2      resolved  2026-11-23T10:00:00+00:00"))
    }

    @Test func escalateWithoutAStageGoesOneAboveTheEffectiveStage() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        // Stage 1 was due Mon 30 Nov and escalates on breach: on Wed 2 Dec the effective stage is 2.
        let r = try w.run(["dispute", "escalate", "DR-1", "--at", "2026-12-02T10:00", "--by", "iro:iro@council.example"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("DR-1: escalated to stage 3 at"))
    }

    /// Each refusal: one line on stderr, exit 65, and not one event written.
    @Test(arguments: [
        (["dispute", "resume", "DR-1", "--at", "2026-11-24"], "is not paused"),
        (["dispute", "pause", "DR-1", "--approved-by", "iro:iro@council.example", "--reason", "x", "--at", "2026-11-24"], "agreement of head-of-service-safeguarding"),
        (["dispute", "extend", "DR-1", "--working-days", "30", "--agreed-by", "iro:iro@council.example", "--at", "2026-11-24"], "past the statutory total"),
        (["dispute", "extend", "DR-1", "--working-days", "1", "--agreed-by", "team-manager:tm@council.example", "--at", "2026-11-24"], "must be agreed by iro"),
        (["dispute", "escalate", "DR-1", "--to-stage", "4", "--at", "2026-11-24", "--by", "iro:iro@council.example"], "needs a reason"),
        (["dispute", "escalate", "DR-1", "--to-stage", "9", "--at", "2026-11-24", "--by", "iro:iro@council.example"], "stage 9 does not exist"),
        (["dispute", "escalate", "DR-1", "--to-stage", "2", "--at", "2026-11-20", "--by", "iro:iro@council.example"], "before the record's last event"),
        (["dispute", "escalate", "DR-1", "--to-stage", "2", "--at", "2026-11-24", "--by", "auditor:a@council.example"], "role auditor is not known"),
        (["dispute", "escalate", "NO-SUCH", "--at", "2026-11-24", "--by", "iro:iro@council.example"], "no dispute NO-SUCH is recorded"),
        (["dispute", "note", "DR-1", "x", "--at", "2026-02-30"], "is not a time"),
        (["dispute", "open", "--ref", "DR-1", "--policy", "four-stage", "--kind", "formal", "--category", "general", "--type", "P", "--raised-by", "iro:iro@council.example"], "already recorded"),
        (["dispute", "open", "--ref", "DR-2", "--policy", "nine-stage", "--kind", "formal", "--category", "general", "--type", "P", "--raised-by", "iro:iro@council.example"], "unknown policy nine-stage"),
        (["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--category", "vibes", "--type", "P", "--raised-by", "iro:iro@council.example"], "unknown category vibes"),
        (["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--category", "general", "--type", "X", "--raised-by", "iro:iro@council.example"], "unknown type X"),
        (["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--category", "general", "--type", "P", "--raised-by", "team-manager:tm@council.example"], "may not raise"),
        (["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--stage", "3", "--category", "general", "--type", "P", "--raised-by", "iro:iro@council.example"], "needs a reason"),
    ])
    func refusalsExit65AndWriteNothing(args: [String], message: String) throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        try #require(w.eventCount == 1)
        let r = try w.run(args)
        #expect(r.status == 65, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.isEmpty)
        #expect(w.eventCount == 1)
        #expect(w.disputeCount == 1)
    }

    @Test func aClosedDisputeCannotBeEscalated() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        #expect(try w.run(["dispute", "withdraw", "DR-1", "--reason", "raised in error", "--at", "2026-11-23T11:00"]).status == 0)
        let r = try w.run(["dispute", "escalate", "DR-1", "--at", "2026-11-24", "--by", "iro:iro@council.example"])
        #expect(r.status == 65)
        #expect(r.stderr == "drwatch: DR-1 is withdrawn; a withdrawn record cannot be escalated (raise a new one)\n")
        #expect(w.eventCount == 2)
    }

    @Test(arguments: [
        ["dispute", "pause", "DR-1", "--approved-by", "nobody", "--reason", "x"],
        ["dispute", "open", "--ref", "DR-2", "--policy", "four-stage", "--kind", "formal", "--category", "general", "--type", "P", "--raised-by", "iro:iro@council.example", "--person", "tm"],
        ["dispute", "extend", "DR-1", "--working-days", "0", "--agreed-by", "iro:iro@council.example"],
        ["dispute", "resolve", "DR-1"],
        ["dispute", "escalate"],
    ])
    func malformedArgumentsExit64(args: [String]) throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        let r = try w.run(args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(w.eventCount == 1)
    }

    @Test func aSubjectAndTheConcernAboutTheOwnerAreKept() throws {
        let w = try Workspace()
        let r = try w.run(["dispute", "open", "--ref", "QA-1", "--policy", "four-stage", "--kind", "qop-alert", "--category", "general",
                           "--type", "P", "--raised-by", "iro:iro@council.example", "--at", "2026-11-23T10:00", "--about-owner",
                           "--child", "CHILD-7", "--team", "North"])
        #expect(r.status == 0, "\(r.stderr)")
        // About the Team Manager: the Service Manager responds.
        #expect(r.stdout.contains("stage 1 (owner service-manager)"))
        let shown = try json(try w.run(["dispute", "show", "QA-1", "--json", "--at", "2026-11-24"]).stdout) as! [String: Any]
        #expect(shown["owner_role"] as? String == "service-manager")
        #expect(shown["child_ref"] as? String == "CHILD-7")
        #expect(shown["team"] as? String == "North")
    }

    /// A second process holds the write lock for about a second while drwatch writes: drwatch waits
    /// (busy timeout) and succeeds; "database is locked" never reaches the user.
    @Test func aSecondWriterMakesDrwatchWaitNotFail() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE disputes SET team = team")
            print("locked", flush=True)
            time.sleep(1.0)
            c.execute("COMMIT")
            print("released", flush=True)
            """, w.database.path]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        // Wait (bounded by the child) until the other process holds the write lock.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("locked"))
        let write = try w.run(["dispute", "note", "DR-1", "written while another process writes", "--at", "2026-11-24"])
        let read = try w.run(["due", "--at", "2026-11-24", "--json"])
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        #expect(write.status == 0, "\(write.stderr)")
        #expect(read.status == 0, "\(read.stderr)")
        #expect(!write.stderr.lowercased().contains("locked"))
        #expect(!read.stderr.lowercased().contains("locked"))
        #expect(w.eventCount == 2)
    }
}
