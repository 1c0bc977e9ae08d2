import WorkingDays

/// `drwatch-bench calendar`: operations per second of `addWorkingDays` and
/// `workingDaysBetween` on one core, over random dates across the whole supported range
/// (fixed seed), best of several rounds.
enum CalendarBench {
    static func run() throws {
        let calendar = try WorkingCalendar(division: .englandAndWales)
        let lo = WorkingCalendar.supported.lowerBound.dayNumber
        let span = WorkingCalendar.supported.upperBound.dayNumber - lo - 400
        var rng = SplitMix64(seed: 42)
        let count = 1 << 20
        var starts: [LocalDate] = [], ends: [LocalDate] = [], ns: [Int] = []
        starts.reserveCapacity(count); ends.reserveCapacity(count); ns.reserveCapacity(count)
        for _ in 0..<count {
            let a = lo + Int(rng.next() % UInt64(span))
            starts.append(LocalDate(dayNumber: a))
            ends.append(LocalDate(dayNumber: a + Int(rng.next() % 400)))
            ns.append(Int(rng.next() % 60))
        }

        var checksum = 0
        let add = try best(rounds: 7, ops: count) {
            var s = 0
            for i in 0..<count { s &+= try calendar.addWorkingDays(ns[i], to: starts[i]).dayNumber }
            checksum &+= s
        }
        let between = try best(rounds: 7, ops: count) {
            var s = 0
            for i in 0..<count { s &+= try calendar.workingDaysBetween(starts[i], ends[i]) }
            checksum &+= s
        }
        report("calendar add", add)
        report("calendar between", between)
        print("calendar (checksum \(checksum & 0xFFFF))")
    }

    /// Best ops/s over `rounds` runs of `body`, which performs `ops` operations.
    static func best(rounds: Int, ops: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        var bestSeconds = Double.infinity
        for _ in 0..<rounds {
            let t = try clock.measure(body)
            let seconds = Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18
            bestSeconds = min(bestSeconds, seconds)
        }
        return Double(ops) / bestSeconds
    }

    static func report(_ what: String, _ opsPerSecond: Double) {
        let millions = (opsPerSecond / 1e5).rounded() / 10
        let nanos = (1e10 / opsPerSecond).rounded() / 10
        print("\(what): \(millions) M ops/s (\(nanos) ns/op)")
    }
}

