import Foundation

// Role names, stage names and role lists, interned process-wide, so that a notification intent
// is a plain value (small integer codes, no String or Array inside) and costs no reference
// counting to create, copy or drop. Policies intern their names once (Engine.init); the strings
// are looked up again only when a caller reads `role`, `copy`, `identity` or `reason`.
// The same string always gets the same code, so comparing codes compares the strings.

final class Interned: @unchecked Sendable {
    static let shared = Interned()

    private let lock = NSLock()
    private var names: [String] = []
    private var nameCodes: [String: UInt16] = [:]
    private var lists: [[String]] = [[]]
    private var listCodes: [[String]: UInt16] = [[]: 0]

    /// The code of a name (a role or a stage name).
    func code(_ name: String) -> UInt16 {
        lock.lock(); defer { lock.unlock() }
        if let c = nameCodes[name] { return c }
        precondition(names.count < Int(UInt16.max), "more than 65,534 distinct role and stage names")
        let c = UInt16(names.count)
        names.append(name)
        nameCodes[name] = c
        return c
    }

    func name(_ code: UInt16) -> String {
        lock.lock(); defer { lock.unlock() }
        return names[Int(code)]
    }

    /// The code of a list of roles (0 is the empty list).
    func code(list: [String]) -> UInt16 {
        lock.lock(); defer { lock.unlock() }
        if let c = listCodes[list] { return c }
        precondition(lists.count < Int(UInt16.max), "more than 65,534 distinct role lists")
        let c = UInt16(lists.count)
        lists.append(list)
        listCodes[list] = c
        return c
    }

    func list(_ code: UInt16) -> [String] {
        if code == 0 { return [] }
        lock.lock(); defer { lock.unlock() }
        return lists[Int(code)]
    }

    /// The code meaning "none" for optional names.
    static let none: UInt16 = .max
}
