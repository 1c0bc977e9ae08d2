import Foundation
import WorkingDays

/// Computes a `Report` from every record in the store. Pure: no I/O, no clock (`asOf` is a parameter).
///
/// Stage and statutory deadlines come from the engine (`Engine.evaluate`), never re-derived:
/// a stage was finished in time when, evaluated just before the event that ended it (an
/// escalation or the resolution), the engine shows no escalation forced by a missed deadline
/// and the moment is before the stage deadline; the statutory total was met when the
/// resolution came before the engine's statutory deadline. Definitions: docs/reports.md.
public struct ReportBuilder: Sendable {
    /// The team name used for records without one.
    public static let noTeam = "(no team)"

    public let policies: [String: Policy]
    public let calendars: [Division: WorkingCalendar]
    public let settings: EngineSettings

    /// - Parameters:
    ///   - policies: the loaded policies; records of another policy are counted but not assessed.
    ///   - calendars: one per division that records use.
    ///   - settings: close of business and time zone, as the engine uses them.
    public init(policies: [Policy], calendars: [Division: WorkingCalendar], settings: EngineSettings = EngineSettings()) {
        self.policies = Dictionary(policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.calendars = calendars
        self.settings = settings
    }

    /// What the builder knows about one record, computed once.
    struct Facts {
        var opened: Int
        var openedDay: LocalDate
        var closedAt: Int?
        var closedDay: LocalDate?
        var resolved: Bool
        /// The kind has stages (unknown policy: every kind but Good Practice).
        var hasStages: Bool
        /// The policy and kind are loaded: deadlines can be assessed.
        var assessable: Bool
        var isRepeat = false
        var team: String
    }

    /// Timeliness of one resolved record with stages.
    struct Assessment {
        var withinStages: Bool
        /// `nil` when the statutory total does not apply.
        var withinStatutory: Bool?
        var workingDays: Int
        /// The effective stage when it was resolved (derived escalations included).
        var stageAtClose: Int
    }

    /// Builds the report.
    ///
    /// - Parameters:
    ///   - disputes: every record (open and closed) with its history.
    ///   - purged: the counts kept of records removed past retention (added to the activity figures).
    ///   - period: the period reported on.
    ///   - previous: the period shown beside it (default: `period.previous`).
    ///   - asOf: when the data were read; events after it are ignored.
    ///   - suppressionThreshold: counts in 1..<threshold are shown as "<threshold"; `nil`: none.
    /// - Throws: `DomainError` when a record's division has no calendar; `CalendarError` for
    ///   dates outside the calendar's range.
    public func build(disputes input: [Dispute], purged: [PurgedRecords] = [], period: ReportPeriod, previous: ReportPeriod? = nil,
                      asOf: Date, suppressionThreshold: Int? = 5) throws -> Report {
        let previous = previous ?? period.previous
        let asOfT = Int(asOf.timeIntervalSince1970.rounded(.down))
        let civil = settings.civil
        let disputes = input.map { d -> Dispute in
            guard let last = d.events.last, Int(last.at.timeIntervalSince1970.rounded(.down)) > asOfT else { return d }
            var c = d
            c.events = d.events.filter { Int($0.at.timeIntervalSince1970.rounded(.down)) <= asOfT }
            return c
        }.filter { !$0.events.isEmpty }

        // Facts, once per record.
        var facts: [Facts] = []
        facts.reserveCapacity(disputes.count)
        var missing: Set<String> = []
        for d in disputes {
            let opened = seconds(d.events[0].at)
            var f = Facts(opened: opened, openedDay: civil.localDate(epochSeconds: opened), closedAt: nil, closedDay: nil,
                          resolved: false, hasStages: d.kind != .goodPractice, assessable: false, team: d.team ?? Self.noTeam)
            if let kp = policies[d.policy]?.kinds[d.kind] {
                f.hasStages = !kp.stages.isEmpty
                f.assessable = true
            } else {
                missing.insert(d.policy)
            }
            for e in d.events {
                switch e.change {
                case .resolved: f.resolved = true
                case .withdrawn: break
                default: continue
                }
                let t = seconds(e.at)
                f.closedAt = t; f.closedDay = civil.localDate(epochSeconds: t)
                break
            }
            facts.append(f)
        }

        // Repeats: a record raised for a child who already has one of the same kind, when its
        // policy sends a repeat alert for that kind. `firstOfKind` orders by raising time.
        var byChild: [String: [Int]] = [:]
        for (i, d) in disputes.enumerated() where !(policies[d.policy]?.kinds[d.kind]?.repeatAlert.isEmpty ?? true) {
            byChild["\(d.kind.rawValue)\u{0}\(d.childRef)", default: []].append(i)
        }
        for (_, list) in byChild where list.count > 1 {
            let ordered = list.sorted { facts[$0].opened != facts[$1].opened ? facts[$0].opened < facts[$1].opened : $0 < $1 }
            for i in ordered.dropFirst() { facts[i].isRepeat = true }
        }

        // Timeliness, assessed only for records resolved in a period the report shows.
        let trendPeriods = period.trailingQuarters(4)
        let windows = [period, previous] + trendPeriods
        var engines: [String: Engine] = [:]
        func engine(_ d: Dispute) throws -> Engine {
            let key = "\(d.policy)\u{0}\(d.division.rawValue)"
            if let e = engines[key] { return e }
            guard let cal = calendars[d.division] else {
                throw DomainError("no working-day calendar for division \(d.division.rawValue); cannot report on record \(d.ref)")
            }
            let e = Engine(policy: policies[d.policy]!, calendar: cal, settings: settings)
            engines[key] = e
            return e
        }
        var assessments = [Assessment?](repeating: nil, count: disputes.count)
        for (i, f) in facts.enumerated() where f.resolved && f.hasStages && f.assessable {
            guard let day = f.closedDay, windows.contains(where: { $0.contains(day) }) else { continue }
            assessments[i] = try assess(disputes[i], engine: try engine(disputes[i]))
        }

        // Stage owners' responses, from the engine (assessable records that have one).
        var responses = [[StageResponse]](repeating: [], count: disputes.count)
        for (i, f) in facts.enumerated() where f.hasStages && f.assessable {
            guard disputes[i].events.contains(where: { if case .responded = $0.change { true } else { false } }) else { continue }
            responses[i] = try engine(disputes[i]).responses(disputes[i], upTo: asOf)
        }

        // Highest stage reached by `cutoff` (or by closure, when earlier).
        func highestStage(_ i: Int, cutoff: Int) throws -> Int {
            let d = disputes[i]
            let at = min(cutoff, facts[i].closedAt ?? .max)
            var explicit = 0
            for e in d.events where seconds(e.at) <= at {
                if case .opened(let s) = e.change { explicit = max(explicit, s) }
                if case .escalated(let s, _) = e.change { explicit = max(explicit, s) }
            }
            guard facts[i].assessable else { return explicit }
            // The assessment already asked the engine about the moment of resolution.
            if let a = assessments[i], at == facts[i].closedAt { return max(explicit, a.stageAtClose) }
            let ev = try engine(d).evaluate(d, now: Date(timeIntervalSince1970: TimeInterval(at)))
            return max(explicit, ev.stage)
        }

        func figures(_ p: ReportPeriod) throws -> PeriodFigures {
            var out = PeriodFigures(period: p)
            let endT = min(civil.epochSeconds(p.to.adding(days: 1), minutesOfDay: 0) - 1, asOfT)
            var repeatChildren: Set<String> = []
            for i in disputes.indices {
                let f = facts[i], d = disputes[i]
                let openedIn = p.contains(f.openedDay)
                let closedIn = f.closedDay.map(p.contains) ?? false
                let openAtEnd = f.hasStages && f.opened <= endT && (f.closedAt.map { $0 > endT } ?? true)
                if openedIn || closedIn || openAtEnd {
                    var c = ActivityCounts()
                    if openedIn { c.opened = 1 }
                    if closedIn { if f.resolved { c.resolved = 1 } else { c.withdrawn = 1 } }
                    if openAtEnd { c.openAtEnd = 1 }
                    out.totals.add(c)
                    out.byKind[d.kind.rawValue, default: ActivityCounts()].add(c)
                    out.byCategory[d.category.rawValue, default: ActivityCounts()].add(c)
                    out.byType[d.type.rawValue, default: ActivityCounts()].add(c)
                    out.byTeam[f.team, default: ActivityCounts()].add(c)
                    if f.hasStages {
                        out.byHighestStage[try highestStage(i, cutoff: endT), default: ActivityCounts()].add(c)
                    }
                }
                if closedIn && f.resolved && f.hasStages {
                    if let a = assessments[i] {
                        out.timeliness.add(a)
                        out.timelinessByKind[d.kind, default: Timeliness()].add(a)
                    } else {
                        out.resolvedUnassessed += 1
                    }
                }
                if openedIn && f.isRepeat {
                    out.repeatAlerts += 1
                    repeatChildren.insert(d.childRef)
                }
                if openedIn && d.kind == .goodPractice { out.goodPracticeByTeam[f.team, default: 0] += 1 }
                for r in responses[i] where p.contains(civil.localDate(of: r.at)) {
                    out.responsesByStage[r.stage, default: ResponseCounts()].add(r)
                    out.responsesByTeam[f.team, default: ResponseCounts()].add(r)
                }
                var paused = false
                for e in d.events {
                    switch e.change {
                    case .paused, .extended, .cafcassReferral: break
                    default: continue
                    }
                    guard p.contains(civil.localDate(epochSeconds: seconds(e.at))) else { continue }
                    switch e.change {
                    case .paused: out.process.pauses += 1; paused = true
                    case .extended(let n, _): out.process.extensions += 1; out.process.extensionWorkingDays += max(0, n)
                    case .cafcassReferral: out.process.cafcassReferrals += 1
                    default: break
                    }
                }
                if paused { out.process.recordsPaused += 1 }
            }
            addPurged(to: &out, endDay: civil.localDate(epochSeconds: endT))
            out.childrenWithRepeatAlerts = repeatChildren.count
            out.timeliness.workingDays.sort()
            for k in out.timelinessByKind.keys { out.timelinessByKind[k]!.workingDays.sort() }
            return out
        }

        // Records purged past retention, from their counts by quarter: raised and closed when
        // their quarter lies in the period, open at its end when raised by then and closed after.
        // A quarter across the edge of a range that is not made of quarters cannot be placed: not counted.
        func addPurged(to out: inout PeriodFigures, endDay: LocalDate) {
            let p = out.period
            for t in purged {
                let hasStages = policies[t.policy]?.kinds[t.kind].map { !$0.stages.isEmpty } ?? (t.kind != .goodPractice)
                var c = ActivityCounts()
                if p.holds(t.raised) == true { c.opened = t.count }
                if p.holds(t.closed) == true { if t.resolved { c.resolved = t.count } else { c.withdrawn = t.count } }
                if hasStages && t.raised.to <= endDay && t.closed.from > endDay { c.openAtEnd = t.count }
                guard c != ActivityCounts() else { continue }
                out.purgedRecords += t.count
                out.totals.add(c)
                out.byKind[t.kind.rawValue, default: ActivityCounts()].add(c)
                out.byCategory[t.category, default: ActivityCounts()].add(c)
                out.byType[t.type, default: ActivityCounts()].add(c)
                out.byTeam[t.team, default: ActivityCounts()].add(c)
                if hasStages { out.byHighestStage[t.highestStage, default: ActivityCounts()].add(c) }
                if c.resolved > 0 && hasStages { out.resolvedPurged += c.resolved }
                if c.opened > 0 && t.kind == .goodPractice { out.goodPracticeByTeam[t.team, default: 0] += c.opened }
            }
        }

        let current = try figures(period)
        let before = try figures(previous)

        // Children with a repeat alert in the period.
        let endT = min(civil.epochSeconds(period.to.adding(days: 1), minutesOfDay: 0) - 1, asOfT)
        var perChild: [String: (repeats: Int, toDate: Int)] = [:]
        for (_, list) in byChild {
            let repeats = list.filter { facts[$0].isRepeat && period.contains(facts[$0].openedDay) }.count
            guard repeats > 0 else { continue }
            let child = disputes[list[0]].childRef
            let toDate = list.filter { facts[$0].opened <= endT }.count
            let old = perChild[child] ?? (0, 0)
            perChild[child] = (old.repeats + repeats, old.toDate + toDate)
        }
        // Counts only: the case references stay here.
        let repeatChildren = perChild.values.map { RepeatChild(repeatAlerts: $0.repeats, recordsToDate: $0.toDate) }
            .sorted { ($0.recordsToDate, $0.repeatAlerts) < ($1.recordsToDate, $1.repeatAlerts) }

        let statutoryDays = Set(policies.values.compactMap { $0.statutory?.workingDays })

        // Timeliness by quarter.
        var trend = [Timeliness](repeating: Timeliness(), count: trendPeriods.count)
        for (i, f) in facts.enumerated() {
            guard let a = assessments[i], let day = f.closedDay, let q = trendPeriods.firstIndex(where: { $0.contains(day) }) else { continue }
            trend[q].add(a)
        }
        for q in trend.indices { trend[q].workingDays.sort() }

        return Report(period: period, previousPeriod: previous, asOf: asOf, suppressionThreshold: suppressionThreshold,
                      current: current, previous: before, repeatChildren: repeatChildren,
                      trendPeriods: trendPeriods, trendTimeliness: trend, missingPolicies: missing.sorted(),
                      statutoryWorkingDays: statutoryDays.count == 1 ? statutoryDays.first : nil)
    }

    /// Timeliness of one resolved record with stages, from the engine's deadlines.
    func assess(_ d: Dispute, engine: Engine) throws -> Assessment {
        guard let closeIndex = d.events.firstIndex(where: { if case .resolved = $0.change { true } else { false } }) else {
            throw DomainError("record \(d.ref) is not resolved")
        }
        var within = true
        var statutory: Bool?
        var stage = 0
        for i in 1...closeIndex {
            let e = d.events[i]
            let ends: Bool
            if case .escalated = e.change { ends = true } else { ends = i == closeIndex }
            guard ends, within || i == closeIndex else { continue }
            // The engine's view at the moment of the event that ended the stage, before it.
            // At the resolution the engine replays up to it and stops (closed records get their
            // deadlines but no notifications: the cheap path); an escalation is cut off.
            let ev: Evaluation
            if i == closeIndex {
                ev = try engine.evaluate(d, now: e.at)
            } else {
                var before = d
                before.events = Array(d.events[..<i])
                ev = try engine.evaluate(before, now: e.at)
            }
            // A stage its owner answered in time was finished in time, whenever the raiser then decided.
            let answeredInTime = ev.respondedWithinTimescale == true && ev.derivedEscalations.isEmpty
            if !answeredInTime && (!ev.derivedEscalations.isEmpty || (ev.stageDeadline.map { e.at >= $0 } ?? false)) { within = false }
            if i == closeIndex { statutory = ev.statutoryDeadline.map { e.at < $0 }; stage = ev.stage }
        }
        // Working days from raising to resolution, less those the clock was paused (the engine's count).
        let civil = settings.civil
        let close = d.events[closeIndex].at
        let elapsed = try engine.calendar.workingDaysBetween(civil.localDate(epochSeconds: seconds(d.events[0].at)),
                                                             civil.localDate(epochSeconds: seconds(close)))
        let days = max(0, elapsed - (try engine.pausedWorkingDays(d, upTo: close)))
        return Assessment(withinStages: within, withinStatutory: statutory, workingDays: days, stageAtClose: stage)
    }
}

@inline(__always) private func seconds(_ d: Date) -> Int { Int(d.timeIntervalSince1970.rounded(.down)) }

extension ActivityCounts {
    mutating func add(_ c: ActivityCounts) {
        opened += c.opened; resolved += c.resolved; withdrawn += c.withdrawn; openAtEnd += c.openAtEnd
    }
}

extension Timeliness {
    mutating func add(_ a: ReportBuilder.Assessment) {
        resolved += 1
        if a.withinStages { withinStageTimescales += 1 }
        if let s = a.withinStatutory {
            statutoryApplies += 1
            if s { withinStatutory += 1 }
        }
        workingDays.append(a.workingDays)
    }
}
