// Small lists the hot path keeps inline, so a replay allocates nothing for the usual record.

/// The stages a record left after their deadline passed, in order: kept inline up to four (no
/// allocation for the usual ladder), more in `overflow`.
struct PastBreaches {
    struct Entry {
        /// The stage deadline that passed (epoch s).
        var deadline: Int
        /// When its breach alert is due (epoch s): the deadline (urgent) or the next send time.
        var trigger: Int { deadline + Int(triggerDelay) }
        var triggerDelay: Int32
        var stage16: Int16
        var urgent: Bool
        var stage: Int { Int(stage16) }
    }
    private static let none = Entry(deadline: 0, triggerDelay: 0, stage16: 0, urgent: false)
    private var e0 = none, e1 = none, e2 = none, e3 = none
    private var overflow: [Entry] = []
    private(set) var count = 0

    mutating func append(stage: Int, deadline: Int, trigger: Int, urgent: Bool) {
        let e = Entry(deadline: deadline, triggerDelay: Int32(clamping: trigger - deadline), stage16: Int16(clamping: stage), urgent: urgent)
        switch count {
        case 0: e0 = e
        case 1: e1 = e
        case 2: e2 = e
        case 3: e3 = e
        default: overflow.append(e)
        }
        count += 1
    }

    subscript(i: Int) -> Entry {
        switch i {
        case 0: e0
        case 1: e1
        case 2: e2
        case 3: e3
        default: overflow[i - 4]
        }
    }
}

/// A short list of small integers kept inline (no allocation up to 8 values below 256).
struct SmallInts {
    private var packed: UInt64 = 0
    private var packedCount = 0
    private var overflow: [Int] = []

    var count: Int { packedCount + overflow.count }

    @inline(__always)
    mutating func append(_ v: Int) {
        if overflow.isEmpty && packedCount < 8 && v >= 0 && v < 256 {
            packed |= UInt64(v) << (8 * packedCount)
            packedCount += 1
        } else {
            overflow.append(v)
        }
    }

    var array: [Int] {
        var out: [Int] = []
        if count == 0 { return out }
        out.reserveCapacity(count)
        for i in 0..<packedCount { out.append(Int((packed >> (8 * i)) & 0xFF)) }
        out += overflow
        return out
    }

    func forEach(_ body: (Int) -> Void) {
        for i in 0..<packedCount { body(Int((packed >> (8 * i)) & 0xFF)) }
        for v in overflow { body(v) }
    }
}

/// A list of roles: `count` interned role codes from `KindPlan.roles[start...]`; the first
/// role's intent carries the copy list `firstCopy` (the copy roles that are not addressed).
struct RoleList {
    var start: Int
    var count: Int
    var firstCopy: UInt16
}
