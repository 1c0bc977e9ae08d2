import Mustache

// The values the templates see, wrapped so that swift-mustache renders them without its slow
// general path: a plain `String` or `Int` in a context costs a lookup by `Mirror` inside every
// section that names it (`{{#due}}...{{/due}}` pushes the string, and every name inside is first
// looked up on it) and several dynamic casts plus `String(describing:)` for every variable.
// A wrapped value answers "no child" at once and renders as its text: the output is the same
// bytes (TemplateRenderingTests renders every shipped template both ways), and the library's
// transforms (`{{uppercased(ref)}}`, `{{plusone(stage)}}`) are those of the wrapped value.

/// A string as the templates see it.
struct TemplateString: MustacheParent, MustacheCustomRenderable, MustacheTransformable, Comparable, CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }
    func child(named: String) -> Any? { nil }
    var renderText: String { text }
    var isNull: Bool { false }
    func transform(_ name: String) -> Any? { text.transform(name) }
    var description: String { text }
    static func < (a: TemplateString, b: TemplateString) -> Bool { a.text < b.text }
}

/// A whole number as the templates see it.
struct TemplateNumber: MustacheParent, MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible {
    let value: Int
    init(_ value: Int) { self.value = value }
    func child(named: String) -> Any? { nil }
    var renderText: String { String(value) }
    var isNull: Bool { false }
    func transform(_ name: String) -> Any? { value.transform(name) }
    var description: String { String(value) }
}

enum TemplateValues {
    /// `facts` with every `String`, `Int` and `[String]` wrapped (other values as they are).
    static func wrap(_ facts: [String: Any]) -> [String: Any] {
        facts.mapValues(wrap)
    }

    static func wrap(_ value: Any) -> Any {
        switch value {
        case let s as String: TemplateString(s)
        case let n as Int: TemplateNumber(n)
        case let a as [String]: a.map(TemplateString.init)
        default: value
        }
    }
}
