import Foundation
import WorkingDays

// The engine's decisions at `now`: deadlines, state, and every notice due (or why not).

extension Engine {
    /// The one implementation behind `evaluate` and `evaluateAll`: deadlines, state and the
    /// intents due at `now` (appended to `sink`), in plain values.
    @inline(__always)
    func outcome<Sink: IntentSink>(at d: UnsafePointer<Dispute>, plan: KindPlan, context: EngineContext, now: Int, explain: Bool,
                                   into sink: inout Sink, notSent: inout [Decision], outcome o: inout Outcome) throws {
        // `o` is the caller's fresh `Outcome()`, filled in place (returning it would copy it).
        let r = try replay(at: d, plan: plan, until: now)
        let today = day(now)
        o.stage = r.seg?.stage ?? 0
        o.choice = r.seg?.choice ?? -1
        o.derived = r.derived
        var wake = Int.max

        @inline(__always)
        func emit(_ wake: inout Int, _ sink: inout Sink, _ stage: Int, _ code: IntentRecord.Code, _ arg: Int, to: RoleList, urgent: Bool, trigger: Int,
                  day: LocalDate?, left: Int?) {
            guard trigger <= now else { if trigger < wake { wake = trigger }; return }
            var rec = IntentRecord(trigger: Double(trigger), stage: Int32(stage), arg: Int32(arg),
                                   day: day.map { Int32($0.dayNumber) } ?? IntentRecord.absent,
                                   left: left.map { Int32($0) } ?? IntentRecord.absent,
                                   role: 0, copy: to.firstCopy, code: code.rawValue, urgent: urgent)
            var i = to.start
            let end = to.start + to.count
            while i < end {
                rec.role = plan.roles[i]
                sink.add(rec)
                rec.copy = 0
                i += 1
            }
        }
        // The reference only, and only when explaining: a nested function capturing `d` copies the record.
        let ref = explain ? d.pointee.ref : ""
        func skip(_ notSent: inout [Decision], _ stage: Int, _ event: NotificationEvent, _ roles: RoleList, _ why: String) {
            guard explain else { return }
            for role in plan.names(roles) { notSent.append(Decision(identity: "\(ref)/s\(stage)/\(event.name)/\(role)", reason: why)) }
        }

        // Deadlines (the statutory day once: the stage deadline is capped by it).
        let statDay = try statutoryDay(plan, r.clock, asOf: now)
        var stageDL: (instant: Int, day: LocalDate)?
        if let seg = r.seg {
            let dl = try deadline(plan, seg, r.clock, asOf: now, statutory: statDay)
            stageDL = dl
            o.stageDeadline = dl.instant
            o.stageDeadlineDay = dl.day
            o.stageWorkingDaysLeft = try calendar.workingDaysBetween(today, dl.day)
        }
        var statInstant = 0
        if let sd = statDay {
            statInstant = instant(sd, minutes: cobMinutes)
            o.statutoryDeadline = statInstant
            o.statutoryDeadlineDay = sd
            o.statutoryWorkingDaysLeft = try calendar.workingDaysBetween(today, sd)
        }

        // The current stage's response.
        if let seg = r.seg, seg.responded {
            o.respondedAt = seg.respondedAt
            o.respondedInTime = seg.respondedInTime
            o.responseWorkingDays = try calendar.workingDaysBetween(seg.startDay, day(seg.respondedAt))
        }

        // State.
        if let term = r.terminal {
            o.state = term
            // The closing notice: the kind's watchers ("the outcome ... and when it has been resolved"),
            // but not the role that closed it; and the raiser when someone else closed it.
            let code: IntentRecord.Code = term == .resolved ? .resolved : .withdrawn
            let stage = r.seg?.stage ?? 0
            if r.closedAt <= now {
                let raiser = plan.single(d.pointee.raisedBy.role)
                let raiserCode = raiser.count > 0 ? plan.roles[raiser.start] : 0
                var raiserTold = false
                var rec = IntentRecord(trigger: Double(r.closedAt), stage: Int32(stage), arg: 0, day: IntentRecord.absent,
                                       left: IntentRecord.absent, role: 0, copy: 0, code: code.rawValue, urgent: false)
                var i = plan.watchers.start
                while i < plan.watchers.start + plan.watchers.count {
                    let role = plan.roles[i]
                    i += 1
                    if role == r.closedByRole { continue }
                    rec.role = role
                    sink.add(rec)
                    if role == raiserCode { raiserTold = true }
                }
                if r.closedByOther, !raiserTold, raiser.count > 0 {
                    rec.role = raiserCode
                    sink.add(rec)
                }
            }
            if explain { notSent.append(Decision(identity: "\(ref)", reason: "\(term.rawValue): nothing more is sent")) }
            return
        }
        if r.pausedAt != nil {
            o.state = .paused
        } else if statDay != nil && now >= statInstant {
            o.state = .statutoryBreached
        } else if let dl = stageDL, now >= dl.instant, !(r.seg?.responded ?? false) {
            o.state = .overdue
        } else if let left = o.statutoryWorkingDaysLeft, plan.hasStatutoryRule, let most = plan.statWarnFirst, left <= most {
            o.state = .statutoryAtRisk
        } else if r.seg?.responded ?? false {
            // Answered: the stage's clock no longer drives the state; the raiser decides.
        } else if let left = o.stageWorkingDaysLeft, left <= 0 {
            o.state = .dueToday
        } else if let left = o.stageWorkingDaysLeft, left <= policy.dueSoonWorkingDays {
            o.state = .dueSoon
        }

        // Record-level notices (while the record is open).
        if plan.stages.isEmpty && plan.recipients.count > 0 {
            emit(&wake, &sink, 0, .goodPractice, 0, to: plan.recipients, urgent: false, trigger: r.openedAt, day: nil, left: nil)
        }
        if context.earlierRecordsForChild > 0 && plan.repeatAlert.count > 0 {
            emit(&wake, &sink, r.openingStage, .repeatAlert, 0, to: plan.repeatAlert, urgent: false, trigger: r.openedAt, day: nil, left: nil)
        }
        if plan.cafcassAlert.count > 0 {
            for (n, c) in r.marks(.cafcassReferral).enumerated() {
                emit(&wake, &sink, c.stage, .cafcassReferral, n + 1, to: plan.cafcassAlert, urgent: true, trigger: c.at, day: nil, left: nil)
            }
        }
        if plan.cafcassIntendedAlert.count > 0 {
            for (n, c) in r.marks(.cafcassIntended).enumerated() {
                emit(&wake, &sink, c.stage, .cafcassIntended, n + 1, to: plan.cafcassIntendedAlert, urgent: true, trigger: c.at, day: nil, left: nil)
            }
        }
        if plan.extensionNotify.count > 0 {
            for (n, e) in r.marks(.extended).enumerated() {
                emit(&wake, &sink, e.stage, .extended, n + 1, to: plan.extensionNotify, urgent: false, trigger: e.at, day: nil, left: nil)
            }
        }

        guard let seg = r.seg, let dl = stageDL else {
            o.wake = wake
            return
        }
        let sp = plan.stages[seg.stage - 1]
        let breachAlert = plan.breachAlert(seg.stage, limit: r.limit)
        let escalates = sp.escalates && seg.stage < r.limit && !seg.responded
        let choice = plan.choices[seg.choice]
        let urgentStage = seg.timescale.isUrgent

        // Breach alerts of the stages left after their deadline passed (derived or recorded
        // escalations): due until the record is closed, so a poll after downtime issues each once.
        var b = 0
        while b < r.breaches.count {
            let e = r.breaches[b]
            b += 1
            guard e.trigger <= now else { if e.trigger < wake { wake = e.trigger }; continue }
            let deadlineDay = day(e.deadline)
            emit(&wake, &sink, e.stage, .breach, 0, to: plan.breachAlert(e.stage, limit: r.limit), urgent: e.urgent, trigger: e.trigger,
                 day: deadlineDay, left: try calendar.workingDaysBetween(day(e.trigger), deadlineDay))
        }
        // Opening of the current stage, and a bypass into it.
        if sp.remindOnOpening {
            emit(&wake, &sink, seg.stage, .opened, 0, to: choice.opening, urgent: urgentStage, trigger: seg.startTrigger,
                 day: dl.day, left: try calendar.workingDaysBetween(day(seg.startTrigger), dl.day))
        }
        if seg.stage - seg.fromStage > 1 && plan.bypassNotify.count > 0 {
            emit(&wake, &sink, seg.stage, .bypass, 0, to: plan.bypassNotify, urgent: urgentStage, trigger: seg.startTrigger,
                 day: nil, left: nil)
        }

        // The owner's response: the raiser is told at once, and reminded to decide after decision_working_days.
        if seg.responded {
            let raiser = plan.single(d.pointee.raisedBy.role)
            if raiser.count > 0 {
                let took = o.responseWorkingDays
                emit(&wake, &sink, seg.stage, .response, 0, to: raiser, urgent: false, trigger: seg.respondedAt, day: nil, left: took)
                if sp.decisionWorkingDays > 0 {
                    let t = instant(try calendar.addWorkingDays(sp.decisionWorkingDays, to: day(seg.respondedAt)), minutes: sendMinutes)
                    emit(&wake, &sink, seg.stage, .decisionReminder, 0, to: raiser, urgent: false, trigger: t, day: nil, left: took)
                }
            }
        }

        if r.pausedAt != nil {
            if explain {
                skip(&notSent, seg.stage, .breach, breachAlert, "paused since \(day(r.pausedAt!).longDescription): the clock is stopped, reminders wait for the resume")
            }
        } else {
            if seg.respondedInTime {
                // Answered in time: the stage's reminders, breach and escalation on breach do not happen.
                if explain {
                    skip(&notSent, seg.stage, .breach, breachAlert, "answered in time on \(day(seg.respondedAt).longDescription): no reminders, breach or escalation")
                }
            } else {
            // Scheduled notices of the current stage. Routine ones: only the latest due one is relevant.
            var latest: Routine?
            var superseded: [Routine] = []
            @inline(__always)
            func routine(_ latest: inout Routine?, _ superseded: inout [Routine], _ wake: inout Int, _ x: Routine) {
                guard x.trigger <= now else { if x.trigger < wake { wake = x.trigger }; return }
                if let l = latest, l.trigger >= x.trigger { if explain { superseded.append(x) }; return }
                if let l = latest, explain { superseded.append(l) }
                latest = x
            }
            switch seg.timescale {
            case .workingDays:
                let k = try calendar.workingDaysBetween(seg.startDay, dl.day)
                for j in sp.remindWorkingDaysLeft {
                    let n = Int(plan.ints[j])
                    guard k - n >= 1 else { continue }
                    let rd = try calendar.addWorkingDays(k - n, to: seg.startDay)
                    let t = instant(rd, minutes: sendMinutes)
                    if t <= seg.start { continue }
                    routine(&latest, &superseded, &wake, Routine(code: .reminderWorkingDays, arg: n, to: choice.routine, trigger: t, left: n))
                }
                if breachAlert.count > 0 {
                    let t = try nextSendTime(atOrAfter: dl.instant)
                    routine(&latest, &superseded, &wake, Routine(code: .breach, arg: 0, to: breachAlert, trigger: t,
                                    left: try calendar.workingDaysBetween(day(t), dl.day)))
                }
                if let l = latest {
                    emit(&wake, &sink, seg.stage, l.code, l.arg, to: l.to, urgent: false, trigger: l.trigger, day: dl.day, left: l.left)
                }
                if explain, let l = latest {
                    let latestName = IntentRecord.event(l.code, l.arg).name
                    for s in superseded {
                        skip(&notSent, seg.stage, IntentRecord.event(s.code, s.arg), s.to,
                             "superseded: a later notice of stage \(seg.stage) is due (\(latestName))")
                    }
                }
            case .hours:
                // An hour-based subject row on this stage brings its own reminders.
                var hoursLeft = sp.remindHoursLeft
                if r.subjectIndex >= 0, plan.subjects[r.subjectIndex].stage == seg.stage { hoursLeft = plan.subjects[r.subjectIndex].remindHoursLeft }
                for j in hoursLeft {
                    let h = Int(plan.ints[j])
                    let t = dl.instant - h * 3600
                    if t <= seg.start { continue }
                    emit(&wake, &sink, seg.stage, .reminderHours, h, to: choice.routine, urgent: true, trigger: t, day: dl.day, left: nil)
                    if plan.outOfHours.count > 0, try outsideWorkingHours(t) {
                        emit(&wake, &sink, seg.stage, .reminderHours, h, to: plan.outOfHours, urgent: true, trigger: t, day: dl.day, left: nil)
                    }
                }
                if breachAlert.count > 0 {
                    emit(&wake, &sink, seg.stage, .breach, 0, to: breachAlert, urgent: true, trigger: dl.instant, day: dl.day,
                         left: try calendar.workingDaysBetween(day(dl.instant), dl.day))
                }
                if plan.outOfHours.count > 0, try outsideWorkingHours(dl.instant) {
                    emit(&wake, &sink, seg.stage, .breach, 0, to: plan.outOfHours, urgent: true, trigger: dl.instant, day: dl.day,
                         left: try calendar.workingDaysBetween(day(dl.instant), dl.day))
                }
            }
            // A derived escalation is a change too: wake for it.
            if escalates, dl.instant > now, dl.instant < wake { wake = dl.instant }
            }

            // The statutory total: urgent warnings at the start of the day, breach at the deadline.
            if plan.hasStatutoryRule, let sd = statDay, let start = r.statStartDay {
                // Warnings of the same deadline form a series: only the latest due one is relevant
                // (a later warning supersedes an earlier one not yet issued, as after downtime).
                let total = try calendar.workingDaysBetween(start, sd)
                var latestWarn: (n: Int, trigger: Int)?
                var supersededWarns: [Int] = []
                for j in plan.statWarnDays {
                    let n = Int(plan.ints[j])
                    guard total - n >= 1 else { continue }
                    let wd = try calendar.addWorkingDays(total - n, to: start)
                    let t = max(instant(wd, minutes: 0), r.openedAt)
                    guard t <= now else { if t < wake { wake = t }; continue }
                    if let l = latestWarn, l.trigger > t || (l.trigger == t && l.n <= n) {
                        if explain { supersededWarns.append(n) }
                        continue
                    }
                    if let l = latestWarn, explain { supersededWarns.append(l.n) }
                    latestWarn = (n, t)
                }
                if let l = latestWarn {
                    emit(&wake, &sink, 0, .statutoryWarning, l.n, to: plan.statWarn, urgent: true, trigger: l.trigger, day: sd, left: l.n)
                    for n in supersededWarns where n != l.n {
                        skip(&notSent, 0, .statutoryWarning(n), plan.statWarn,
                             "superseded: a later statutory warning is due (\(NotificationEvent.statutoryWarning(l.n).name))")
                    }
                }
                if plan.statBreachAlert.count > 0 {
                    emit(&wake, &sink, 0, .statutoryBreach, 0, to: plan.statBreachAlert, urgent: true, trigger: statInstant, day: sd, left: 0)
                }
            }
        }
        o.wake = wake
        return
    }
}

/// A scheduled routine notice of a stage (only the latest due one is sent).
struct Routine { var code: IntentRecord.Code; var arg: Int; var to: RoleList; var trigger: Int; var left: Int }

/// Where the engine's core puts the intents it decides.
protocol IntentSink {
    mutating func add(_ r: IntentRecord)
}

/// The intents of one record, for `evaluate`.
struct IntentArray: IntentSink {
    let ref: String
    var intents: [NotificationIntent] = []
    init(ref: String) { self.ref = ref }
    @inline(__always) mutating func add(_ r: IntentRecord) {
        if intents.isEmpty { intents.reserveCapacity(8) }
        intents.append(NotificationIntent(ref: ref, record: r))
    }
}
