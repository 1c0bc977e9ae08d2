/// Compares the built-in Europe/London rule (`CivilTime.london`) with a compiled tzdata file
/// (TZif, RFC 8536), e.g. the system's /usr/share/zoneinfo/Europe/London. Pure: the caller
/// reads the file.
public enum TZifCheck {
    /// The POSIX TZ rule the built-in table projects after its last explicit transition.
    public static let londonRule = "GMT0BST,M3.5.0/1,M10.5.0"

    /// How the file disagrees with the built-in rule (empty: they agree), each one sentence.
    ///
    /// Every offset change the file lists from 1990 to 2110 must be one of the built-in
    /// table's, with the same offset, and the built-in table must have no other change up to
    /// the file's last one; after that the file's rule (its footer) must be `londonRule`.
    public static func londonDisagreements(tzif bytes: [UInt8]) -> [String] {
        guard let parsed = parse(bytes) else {
            return ["the tzdata file is not a TZif file drwatch can read"]
        }
        let table = OffsetTable.london
        var builtIn: [Int: Int] = [:]
        for (t, o) in zip(table.transitions, table.offsetsAfter) { builtIn[t] = o }
        var problems: [String] = []
        var previous = parsed.offsetBefore
        var listed: [(Int, Int)] = []
        for (t, o) in zip(parsed.transitions, parsed.offsets) {
            defer { previous = o }
            guard o != previous else { continue }   // only the abbreviation changed
            guard t >= OffsetTable.lowerBound, t < OffsetTable.upperBound else { continue }
            listed.append((t, o))
        }
        for (t, o) in listed where builtIn[t] != o {
            problems.append("tzdata changes the offset to \(o / 3600 == 0 ? "+0" : "+\(o / 3600)") h at \(iso(t)), the built-in rule does not")
            if problems.count >= 3 { break }
        }
        if let last = listed.last?.0 {
            let times = Set(listed.map(\.0))
            for t in table.transitions where t <= last && t >= (listed.first?.0 ?? last) && !times.contains(t) {
                problems.append("the built-in rule changes the offset at \(iso(t)), tzdata does not")
                if problems.count >= 5 { break }
            }
        }
        if let rule = parsed.footer, rule != londonRule {
            problems.append("tzdata's rule for future years is \"\(rule)\", the built-in one is \"\(londonRule)\"")
        }
        return problems
    }

    struct Parsed { var transitions: [Int]; var offsets: [Int]; var offsetBefore: Int; var footer: String? }

    /// The version 2+ (64-bit) data of a TZif file, or version 1's when that is all there is.
    static func parse(_ b: [UInt8]) -> Parsed? {
        func u32(_ i: Int) -> Int? { i + 4 <= b.count ? Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) : nil }
        func i32(_ i: Int) -> Int? { u32(i).map { Int(Int32(truncatingIfNeeded: $0)) } }
        func i64(_ i: Int) -> Int? {
            guard i + 8 <= b.count else { return nil }
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(b[i + k]) }
            return Int(Int64(bitPattern: v))
        }
        func header(_ at: Int) -> (isut: Int, isstd: Int, leap: Int, time: Int, type: Int, char: Int)? {
            guard at + 44 <= b.count, b[at..<at + 4].elementsEqual("TZif".utf8),
                  let isut = u32(at + 20), let isstd = u32(at + 24), let leap = u32(at + 28), let time = u32(at + 32),
                  let type = u32(at + 36), let char = u32(at + 40), type > 0, time < 100_000, type < 1000, char < 100_000, leap < 10_000 else { return nil }
            return (isut, isstd, leap, time, type, char)
        }
        guard let h1 = header(0) else { return nil }
        let version = b[4]
        var at = 44
        var h = h1
        var timeSize = 4
        if version >= UInt8(ascii: "2") {
            at += h1.time * 4 + h1.time + h1.type * 6 + h1.char + h1.leap * 8 + h1.isstd + h1.isut
            guard let h2 = header(at) else { return nil }
            h = h2; at += 44; timeSize = 8
        }
        var times: [Int] = [], indices: [Int] = []
        for k in 0..<h.time {
            guard let t = timeSize == 8 ? i64(at + k * 8) : i32(at + k * 4) else { return nil }
            times.append(t)
        }
        at += h.time * timeSize
        for k in 0..<h.time {
            guard at + k < b.count else { return nil }
            indices.append(Int(b[at + k]))
        }
        at += h.time
        var utoffs: [Int] = []
        for k in 0..<h.type {
            guard let o = i32(at + k * 6) else { return nil }
            utoffs.append(o)
        }
        at += h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        guard indices.allSatisfy({ $0 < utoffs.count }) else { return nil }
        var footer: String?
        if timeSize == 8, at < b.count, b[at] == UInt8(ascii: "\n"), let end = b[(at + 1)...].firstIndex(of: UInt8(ascii: "\n")) {
            footer = String(decoding: b[(at + 1)..<end], as: UTF8.self)
        }
        return Parsed(transitions: times, offsets: indices.map { utoffs[$0] }, offsetBefore: utoffs[0], footer: footer)
    }

    static func iso(_ t: Int) -> String {
        let day = LocalDate(dayNumber: Int((Double(t) / 86_400).rounded(.down)))
        let s = ((t % 86_400) + 86_400) % 86_400
        return "\(day.iso)T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2))Z"
    }
}
