import TOML

// Reads a policy file (schema: docs/policies.md) strictly, and refuses it whole on the first
// error, naming the file, the line and what to fix. `drwatch check-config` and the daemon both
// call `Policy.parse(text:file:)`, so they never disagree.

extension Policy {
    /// Parses and validates a policy file.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the file's name as the admin knows it, used in errors.
    /// - Returns: the validated policy.
    /// - Throws: `ConfigFileError` (`FILE:LINE: what is wrong; how to fix it`) on the first error.
    public static func parse(text: String, file: String) throws(ConfigFileError) -> Policy {
        let root = TOMLReader(try parseTOML(text, file: file), file: file)
        var loader = PolicyLoader(root: root)
        let policy = try loader.load()
        try root.finish()
        return policy
    }
}

private let pseudoRoles: Set<String> = ["owner", "next-owner"]
private let stageKeys = ["remind_on_opening", "remind_working_days_left", "remind_hours_left", "on_breach", "breach_alert", "copy", "decision_working_days"]

private struct PolicyLoader {
    let root: TOMLReader
    var roles: Set<String> = Set(commonRoles)

    init(root: TOMLReader) { self.root = root }

    mutating func load() throws(ConfigFileError) -> Policy {
        let name = try root.requiredString("name")
        guard isSlug(name) else {
            throw root.error("\"name\" is \"\(name)\"; use lower-case letters, digits and hyphens, e.g. name = \"four-stage\"", at: "name")
        }
        let title = try root.requiredString("title")
        let source = try root.optionalString("source")
        var declaredRoles = commonRoles
        for (role, line) in try root.optionalStringList("roles") ?? [] {
            guard isSlug(role) else {
                throw root.error("role \"\(role)\" in \"roles\" is not a valid name; use lower-case letters, digits and hyphens", line: line)
            }
            guard !pseudoRoles.contains(role) else {
                throw root.error("\"\(role)\" is reserved in breach_alert; choose another name for this role", line: line)
            }
            if roles.insert(role).inserted { declaredRoles.append(role) }
        }
        let dueSoon = try root.optionalInt("due_soon_working_days", in: 0...100) ?? 2
        // How messages name roles: `[role_titles] service-director = "Service Director"`.
        var roleTitles: [String: String] = [:]
        if let t = try root.optionalTable("role_titles") {
            for role in t.keys {
                guard roles.contains(role) else {
                    throw t.error("[role_titles] names \"\(role)\", which is not a role of this policy; declare it in roles = [...] or remove it", at: role)
                }
                let title = try t.requiredString(role)
                guard !title.isEmpty, title.count <= 100, !title.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw t.error("the title of \(role) must be 1 to 100 characters on one line", at: role)
                }
                roleTitles[role] = title
            }
        }
        let defaults = try root.optionalTable("defaults")
        if let defaults {
            // Validate the defaults' types now; their roles are checked per stage.
            _ = try defaults.optionalBool("remind_on_opening")
            _ = try intList(defaults, "remind_working_days_left", min: 0)
            _ = try intList(defaults, "remind_hours_left", min: 1)
            _ = try defaults.optionalEnum("on_breach", BreachAction.self)
            _ = try defaults.optionalStringList("breach_alert")
            _ = try defaults.optionalStringList("copy")
            _ = try defaults.optionalInt("decision_working_days", in: 1...50)
        }

        // Kinds first: other sections refer to them.
        guard let kindsTable = try root.optionalTable("kind") else {
            throw root.error("the policy declares no kind of record; add at least one [kind.formal] (or qop-alert, good-practice, collective, complaint) section")
        }
        var kinds: [RecordKind: KindPolicy] = [:]
        for key in kindsTable.keys {
            guard let kind = RecordKind(rawValue: key) else {
                let options = RecordKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw kindsTable.error("[kind.\(key)] is not a kind of record; use one of \(options)", at: key)
            }
            let t = try kindsTable.table(key)
            kinds[kind] = try loadKind(kind, t, defaults: defaults)
        }

        var statutory: StatutoryRule?
        if let s = try root.optionalTable("statutory") {
            let total = try positive(s, "working_days", required: true)!
            var sk: [RecordKind] = [.formal]
            if let list = try s.optionalStringList("kinds") {
                sk = []
                for (k, line) in list { sk.append(try declaredKind(k, line: line, in: s, kinds: kinds)) }
            } else if kinds[.formal] == nil {
                throw s.error("[statutory] applies to kind \"formal\" by default, which this policy does not declare; add kinds = [\"...\"] or a [kind.formal] section")
            }
            let fromStage = try s.optionalInt("from_stage", in: 1...50) ?? 1
            for k in sk where kinds[k]!.stages.count < fromStage {
                throw s.error("\"from_stage\" is \(fromStage) but kind \"\(k.rawValue)\" has \(kinds[k]!.stages.count) stage(s); lower it or add stages", at: "from_stage")
            }
            let warnDays = try intList(s, "warn_working_days_left", min: 0) ?? []
            for d in warnDays where d >= total {
                throw s.error("a warning at \(d) working days left can never come before a total of \(total); use a smaller number", at: "warn_working_days_left")
            }
            let warn = try roleList(s, "warn")
            if !warnDays.isEmpty && warn.isEmpty {
                throw s.error("\"warn_working_days_left\" is set but nobody is warned; add warn = [\"head-of-service-safeguarding\"] (or another role)", at: "warn_working_days_left")
            }
            statutory = StatutoryRule(workingDays: total, kinds: sk, fromStage: fromStage,
                                      warnWorkingDaysLeft: warnDays.sorted(by: >), warn: warn,
                                      breachAlert: try roleList(s, "breach_alert"))
        }

        var pauseApprovers: [String] = []
        if let p = try root.optionalTable("pause") {
            pauseApprovers = try roleList(p, "approvers")
            if pauseApprovers.isEmpty {
                throw p.error("[pause] needs at least one approver; add approvers = [\"head-of-service-safeguarding\"], or remove [pause] to refuse pauses")
            }
        }
        var agreers: [String] = []
        var maxExt: Int?
        var extensionNotify: [String] = []
        if let e = try root.optionalTable("extension") {
            agreers = try roleList(e, "agreed_by")
            if agreers.isEmpty {
                throw e.error("[extension] needs at least one role in agreed_by; add agreed_by = [\"iro\"], or remove [extension] to refuse extensions")
            }
            maxExt = try positive(e, "max_working_days", required: false)
            extensionNotify = try roleList(e, "notify")
        }
        var outOfHours: [String] = []
        if let o = try root.optionalTable("out_of_hours") {
            outOfHours = try roleList(o, "notify")
            if outOfHours.isEmpty {
                throw o.error("[out_of_hours] needs the role to alert outside working hours; add notify = [\"emergency-duty-team\"], or remove [out_of_hours]")
            }
        }
        var bypass = BypassRule()
        if let b = try root.optionalTable("bypass") {
            bypass.allowed = try b.optionalBool("allowed") ?? true
            bypass.maxStepsWithoutReason = try b.optionalInt("max_steps_without_reason", in: 1...50) ?? .max
            bypass.notify = try roleList(b, "notify")
        }
        var cafcass: [String] = []
        var cafcassIntended: [String] = []
        var cafcassNeedsIntention = false
        if let c = try root.optionalTable("cafcass") {
            cafcass = try roleList(c, "alert")
            cafcassIntended = try roleList(c, "intended_alert")
            cafcassNeedsIntention = try c.optionalBool("intention_first") ?? false
            if cafcassNeedsIntention && cafcassIntended.isEmpty {
                throw c.error("\"intention_first\" needs someone to alert of the intention; add intended_alert = [\"head-of-service-safeguarding\"]", at: "intention_first")
            }
            if cafcass.isEmpty {
                throw c.error("[cafcass] needs the role to alert before a referral; add alert = [\"head-of-service-safeguarding\"]")
            }
        }
        var initiators: [InitiatorLimit] = []
        for i in try root.arrayOfTables("initiator") {
            let role = try knownRole(try i.requiredString("role"), line: i.line(of: "role"), in: i)
            let maxStage = try i.requiredInt("max_stage", in: 1...50)
            var ik: [RecordKind] = []
            for (k, line) in try i.optionalStringList("kinds") ?? [] { ik.append(try declaredKind(k, line: line, in: i, kinds: kinds)) }
            let applies = ik.isEmpty ? kinds.values.filter { !$0.stages.isEmpty } : ik.compactMap { kinds[$0] }
            if let most = applies.map(\.stages.count).max(), maxStage > most {
                throw i.error("\"max_stage\" is \(maxStage) but the most stages any kind here has is \(most); use 1 to \(most)", at: "max_stage")
            }
            var status: ChildStatus?
            if let text = try i.optionalString("child_status") {
                guard let known = ChildStatus(rawValue: text) else {
                    throw i.error("\"child_status\" is \"\(text)\"; use one of: \(ChildStatus.allCases.map(\.rawValue).joined(separator: ", "))", at: "child_status")
                }
                status = known
            }
            initiators.append(InitiatorLimit(role: role, maxStage: maxStage, kinds: ik, childStatus: status))
        }

        var policy = Policy(name: name, title: title, source: source, roles: declaredRoles, kinds: kinds, statutory: statutory,
                      pauseApprovers: pauseApprovers, extensionAgreers: agreers, maxExtensionWorkingDays: maxExt,
                      bypass: bypass, initiators: initiators, cafcassAlert: cafcass, dueSoonWorkingDays: dueSoon,
                      extensionNotify: extensionNotify)
        policy.roleTitles = roleTitles
        policy.cafcassIntendedAlert = cafcassIntended
        policy.cafcassNeedsIntention = cafcassNeedsIntention
        policy.outOfHours = outOfHours
        return policy
    }

    func loadKind(_ kind: RecordKind, _ t: TOMLReader, defaults: TOMLReader?) throws(ConfigFileError) -> KindPolicy {
        let title = try t.requiredString("title")
        let recipients = try roleList(t, "recipients")
        let copy = try roleList(t, "copy")
        let watchers = try roleList(t, "watchers")
        let repeatAlert = try roleList(t, "repeat_alert")
        var categories: [IssueCategory] = []
        for (c, line) in try t.optionalStringList("categories") ?? [] {
            guard let cat = IssueCategory(rawValue: c) else {
                throw t.error("\"\(c)\" is not an issue category; use one of \(IssueCategory.allCases.map(\.rawValue).joined(separator: ", "))", line: line)
            }
            categories.append(cat)
        }
        let types = try typeList(t, "types")
        let subjectRequired = try t.optionalBool("subject_required") ?? false

        // Stages: first pass for owners (next-owner needs the next one), second for the rest.
        let stageTables = try t.arrayOfTables("stage")
        var owners: [String] = []
        for s in stageTables {
            guard let owner = try s.optionalString("owner") else {
                throw s.error("stage \(owners.count + 1) of [kind.\(kind.rawValue)] has no owner; add owner = \"team-manager\" (the role that must act)")
            }
            owners.append(try knownRole(owner, line: s.line(of: "owner"), in: s))
        }
        var stages: [StagePolicy] = []
        for (index, s) in stageTables.enumerated() {
            let number = index + 1
            let name = try s.requiredString("name")
            let ownerIf = try s.optionalString("owner_if_about_owner").map { r throws(ConfigFileError) in try knownRole(r, line: s.line(of: "owner_if_about_owner"), in: s) }
            let timescale = try self.timescale(s, what: "stage \(number) of [kind.\(kind.rawValue)]")
            func pick(_ key: String) -> TOMLReader? { s.contains(key) ? s : (defaults?.contains(key) == true ? defaults : nil) }
            let remindOpen = try pick("remind_on_opening")?.optionalBool("remind_on_opening") ?? true
            var wdLeft = try pick("remind_working_days_left").map { r throws(ConfigFileError) in try intList(r, "remind_working_days_left", min: 0) ?? [] } ?? []
            var hLeft = try pick("remind_hours_left").map { r throws(ConfigFileError) in try intList(r, "remind_hours_left", min: 1) ?? [] } ?? []
            // A stage's own reminder of the other unit is an error; a default of the other unit is ignored.
            switch timescale {
            case .workingDays(let n):
                if s.contains("remind_hours_left") {
                    throw s.error("\"remind_hours_left\" is for stages timed in hours, but this stage takes working_days; use remind_working_days_left", at: "remind_hours_left")
                }
                hLeft = []
                if let d = wdLeft.first(where: { $0 >= n }), s.contains("remind_working_days_left") {
                    throw s.error("a reminder at \(d) working days left comes before a \(n)-working-day stage even starts; use a number below \(n)", at: "remind_working_days_left")
                }
                wdLeft = wdLeft.filter { $0 < n }
            case .hours(let n):
                if s.contains("remind_working_days_left") {
                    throw s.error("\"remind_working_days_left\" is for stages timed in working days, but this stage takes hours; use remind_hours_left", at: "remind_working_days_left")
                }
                wdLeft = []
                if let h = hLeft.first(where: { $0 >= n }) {
                    throw s.error("a reminder \(h) hours before a \(n)-hour deadline comes before the stage starts; use a number below \(n)", at: "remind_hours_left")
                }
            }
            let isLast = number == stageTables.count
            let onBreachReader = pick("on_breach")
            let onBreach = try onBreachReader?.optionalEnum("on_breach", BreachAction.self) ?? .alert
            if onBreach == .escalate && isLast {
                if onBreachReader === s {
                    throw s.error("stage \(number) is the last stage of [kind.\(kind.rawValue)], so it cannot escalate on breach; write on_breach = \"alert\"", at: "on_breach")
                }
            }
            var alert: [String] = []
            let alertReader = pick("breach_alert")
            for (role, line) in try alertReader?.optionalStringList("breach_alert") ?? [] {
                let resolved: String
                switch role {
                case "owner": resolved = owners[index]
                case "next-owner":
                    guard !isLast else {
                        if alertReader === s {
                            throw s.error("\"next-owner\" in breach_alert, but stage \(number) is the last stage of [kind.\(kind.rawValue)]; name the role to alert instead (e.g. \"director-of-childrens-services\")", line: line)
                        }
                        continue   // a default's next-owner simply does not apply to the last stage
                    }
                    resolved = owners[index + 1]
                default:
                    guard roles.contains(role) else {
                        throw (alertReader ?? s).error("breach target \"\(role)\" is not a role of this policy; use owner, next-owner, one of the common roles, or declare it in roles = [...]", line: line)
                    }
                    resolved = role
                }
                if !alert.contains(resolved) { alert.append(resolved) }
            }
            let decision = try pick("decision_working_days")?.optionalInt("decision_working_days", in: 1...50)
            let beyondTotal = try s.optionalBool("beyond_statutory_total") ?? false
            let copyReader = pick("copy")
            let stageCopy = try copyReader.map { r throws(ConfigFileError) in try roleList(r, "copy") } ?? []
            stages.append(StagePolicy(number: number, name: name, owner: owners[index], ownerIfAboutOwner: ownerIf,
                                      timescale: timescale, copy: stageCopy.filter { $0 != owners[index] },
                                      remindOnOpening: remindOpen, remindWorkingDaysLeft: Array(Set(wdLeft)).sorted(by: >),
                                      remindHoursLeft: Array(Set(hLeft)).sorted(by: >), breachAlert: alert,
                                      onBreach: isLast ? .alert : onBreach, decisionWorkingDays: decision))
            stages[stages.count - 1].beyondStatutoryTotal = beyondTotal
        }

        var subjects: [SubjectRule] = []
        for r in try t.arrayOfTables("subject") {
            let id = try r.requiredString("id")
            guard isSlug(id) else { throw r.error("subject id \"\(id)\" is not valid; use lower-case letters, digits and hyphens", at: "id") }
            guard !subjects.contains(where: { $0.id == id }) else {
                throw r.error("subject id \"\(id)\" is used twice in [kind.\(kind.rawValue)]; give each row its own id", at: "id")
            }
            let stage = try r.optionalInt("stage", in: 1...50) ?? 1
            guard stage <= stages.count else {
                throw r.error("subject \"\(id)\" sets stage \(stage), but [kind.\(kind.rawValue)] has \(stages.count) stage(s); use 1 to \(stages.count) or add stages", at: "stage")
            }
            let owner = try r.optionalString("owner").map { o throws(ConfigFileError) in try knownRole(o, line: r.line(of: "owner"), in: r) }
            let rowTimescale = try timescale(r, what: "subject \"\(id)\"")
            var hLeft: [Int] = []
            switch rowTimescale {
            case .hours(let n):
                if let own = try intList(r, "remind_hours_left", min: 1) {
                    if let h = own.first(where: { $0 >= n }) {
                        throw r.error("a reminder \(h) hours before a \(n)-hour deadline comes before the stage starts; use a number below \(n)", at: "remind_hours_left")
                    }
                    hLeft = own
                } else if case .hours = stages[stage - 1].timescale {
                    hLeft = stages[stage - 1].remindHoursLeft.filter { $0 < n }
                } else if let d = defaults {
                    hLeft = (try intList(d, "remind_hours_left", min: 1) ?? []).filter { $0 < n }
                }
            case .workingDays:
                if r.contains("remind_hours_left") {
                    throw r.error("\"remind_hours_left\" is for rows timed in hours, but subject \"\(id)\" takes working_days; remove it", at: "remind_hours_left")
                }
            }
            subjects.append(SubjectRule(id: id, title: try r.requiredString("title"), types: try typeList(r, "types"),
                                        stage: stage, owner: owner, timescale: rowTimescale,
                                        remindHoursLeft: Array(Set(hLeft)).sorted(by: >)))
        }
        if subjectRequired && subjects.isEmpty {
            throw t.error("[kind.\(kind.rawValue)] requires a subject but has no [[kind.\(kind.rawValue).subject]] rows; add rows or remove subject_required", at: "subject_required")
        }
        if kind != .goodPractice && stages.isEmpty && recipients.isEmpty {
            throw t.error("[kind.\(kind.rawValue)] has no stages and no recipients; add a [[kind.\(kind.rawValue).stage]] with an owner and a timescale")
        }
        return KindPolicy(kind: kind, title: title, stages: stages, recipients: recipients, copy: copy, watchers: watchers,
                          repeatAlert: repeatAlert, subjects: subjects, subjectRequired: subjectRequired,
                          categories: categories, types: types)
    }

    func timescale(_ r: TOMLReader, what: String) throws(ConfigFileError) -> Timescale {
        let wd = try positive(r, "working_days", required: false)
        let h = try positive(r, "hours", required: false)
        switch (wd, h) {
        case (let n?, nil): return .workingDays(n)
        case (nil, let n?): return .hours(n)
        case (_?, _?): throw r.error("\(what) has both working_days and hours; keep one", at: "hours")
        case (nil, nil): throw r.error("\(what) has no timescale; add working_days = 5 or hours = 24")
        }
    }

    /// An integer > 0 (a timescale of zero or less is refused with its line).
    func positive(_ r: TOMLReader, _ key: String, required: Bool) throws(ConfigFileError) -> Int? {
        guard let n = try r.optionalInt(key) else {
            if required { throw r.error("missing required key \(r.name(key)); add \(key) = 20") }
            return nil
        }
        guard n > 0 else { throw r.error("\(r.name(key)) is \(n); a timescale must be 1 or more", at: key) }
        guard n <= 1000 else { throw r.error("\(r.name(key)) is \(n); use 1000 or less", at: key) }
        return n
    }

    func intList(_ r: TOMLReader, _ key: String, min: Int) throws(ConfigFileError) -> [Int]? {
        guard let node = r.node(key) else { return nil }
        guard case .array(let items) = node.value else {
            throw r.error("\(r.name(key)) must be an array of integers, e.g. \(key) = [2, 0]", line: node.line)
        }
        var out: [Int] = []
        for item in items {
            guard case .integer(let n) = item.value, n >= min, n <= 1000 else {
                throw r.error("\(r.name(key)) must hold whole numbers from \(min) to 1000, e.g. \(key) = [2, 0]", line: item.line)
            }
            out.append(n)
        }
        return out
    }

    func typeList(_ r: TOMLReader, _ key: String) throws(ConfigFileError) -> [DisputeType] {
        var out: [DisputeType] = []
        for (v, line) in try r.optionalStringList(key) ?? [] {
            guard let t = DisputeType(rawValue: v) else {
                throw r.error("\"\(v)\" is not a dispute type; use \"P\" (practice), \"R\" (resources) or \"D\" (delay or drift)", line: line)
            }
            out.append(t)
        }
        return out
    }

    func roleList(_ r: TOMLReader, _ key: String) throws(ConfigFileError) -> [String] {
        var out: [String] = []
        for (role, line) in try r.optionalStringList(key) ?? [] {
            let known = try knownRole(role, line: line, in: r)
            if !out.contains(known) { out.append(known) }
        }
        return out
    }

    func knownRole(_ role: String, line: Int, in r: TOMLReader) throws(ConfigFileError) -> String {
        guard roles.contains(role) else {
            let hint = pseudoRoles.contains(role) ? "\"\(role)\" may only appear in breach_alert" :
                "use one of the common roles (\(commonRoles.joined(separator: ", "))) or declare it in roles = [...] at the top of the file"
            throw r.error("unknown role \"\(role)\"; \(hint)", line: line)
        }
        return role
    }

    func declaredKind(_ k: String, line: Int, in r: TOMLReader, kinds: [RecordKind: KindPolicy]) throws(ConfigFileError) -> RecordKind {
        guard let kind = RecordKind(rawValue: k) else {
            throw r.error("\"\(k)\" is not a kind of record; use one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))", line: line)
        }
        guard let kp = kinds[kind], !kp.stages.isEmpty else {
            throw r.error("kind \"\(k)\" is not declared with stages in this policy; add a [kind.\(k)] section with stages or remove it here", line: line)
        }
        return kind
    }
}

func isSlug(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
}
