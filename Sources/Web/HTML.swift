import DisputeCore
import Foundation

// Server-rendered HTML: every value from data goes through `esc` (text and attribute values);
// only fixed markup is written raw. No script anywhere; one stylesheet from this site.

/// Escapes text for HTML text and double-quoted attribute values: DisputeCore's `SafeText.html`
/// (the one escape every HTML output of drwatch uses), with a fast path for text with nothing to escape.
@inline(__always)
func esc(_ s: String) -> String {
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 == 0x7F || $0 == 0xC2 }) { return s }
    return SafeText.html(s)
}

/// A page's content and what the layout needs to frame it.
struct Page {
    var title: String
    var body: String
    /// The signed-in person (for the header and the sign-out form), or nil.
    var person: Person? = nil
    var csrf: String? = nil
    /// Which item of the navigation is current.
    var nav: Nav? = nil
    /// Errors shown in the summary at the top ("There is a problem"), each linking to its field.
    var errors: [FieldError] = []
    /// A "success" banner.
    var notice: String? = nil

    enum Nav: String { case work, raise, overview, reports, outbox }
}

/// One error, linked from the error summary to the field with id `field`.
struct FieldError: Sendable, Equatable {
    var field: String
    var message: String
}

enum Layout {
    static func render(_ page: Page) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(page.errors.isEmpty ? "" : "Error: ")\(esc(page.title)) – drwatch</title>
            <link rel="stylesheet" href="/assets/app.css">
            </head>
            <body>
            <a href="#main" class="skip-link">Skip to main content</a>
            <header class="header"><div class="width">
            <a href="/" class="service-name">drwatch<span class="service-sub"> – dispute deadlines</span></a>

            """
        if let person = page.person {
            h += "<nav aria-label=\"Main\"><ul class=\"nav\">"
            func item(_ nav: Page.Nav, _ href: String, _ label: String) {
                let current = page.nav == nav ? " aria-current=\"page\"" : ""
                h += "<li><a href=\"\(href)\"\(current)>\(label)</a></li>"
            }
            item(.work, "/", "My work")
            if person.mayRaise { item(.raise, "/raise", "Raise a dispute") }
            if person.isManager { item(.overview, "/overview", "Overview"); item(.reports, "/reports", "Reports") }
            if person.isAdmin { item(.outbox, "/admin/outbox", "Outbox") }
            h += "</ul></nav>"
            h += "<div class=\"account\"><span>Signed in as \(esc(person.email))</span>"
            h += "<form method=\"post\" action=\"/sign-out\" class=\"inline\">\(csrfField(page.csrf))"
            h += "<button type=\"submit\" class=\"button-link\">Sign out</button></form></div>"
        }
        h += "</div></header>\n<main id=\"main\" class=\"width\" tabindex=\"-1\">\n"
        if !page.errors.isEmpty {
            h += """
                <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
                <h2 id="error-summary-title">There is a problem</h2><ul>
                """
            for e in page.errors { h += "<li><a href=\"#\(esc(e.field))\">\(esc(e.message))</a></li>" }
            h += "</ul></div>\n"
        }
        if let notice = page.notice {
            h += "<div class=\"notice\" role=\"status\"><p>\(esc(notice))</p></div>\n"
        }
        h += page.body
        h += "\n</main>\n<footer class=\"footer\"><div class=\"width\"><p>drwatch tracks the timescales of dispute resolution. "
        h += "Case references only: never write a child's name here.</p></div></footer>\n</body>\n</html>\n"
        return h
    }

    static func csrfField(_ token: String?) -> String {
        guard let token else { return "" }
        return "<input type=\"hidden\" name=\"csrf\" value=\"\(esc(token))\">"
    }
}

/// GOV.UK-style form fields: a label, an optional hint, the error message, the control.
enum FormField {
    static func text(id: String, label: String, value: String?, hint: String? = nil, error: String? = nil,
                     type: String = "text", width: String = "", autocomplete: String? = nil, required: Bool = false) -> String {
        var h = group(error) + labelTag(id, label) + hintAndError(id, hint, error)
        var described: [String] = []
        if hint != nil { described.append("\(id)-hint") }
        if error != nil { described.append("\(id)-error") }
        h += "<input class=\"input \(width)\(error != nil ? " input-error" : "")\" id=\"\(esc(id))\" name=\"\(esc(id))\" type=\"\(type)\""
        h += " value=\"\(esc(value ?? ""))\""
        if !described.isEmpty { h += " aria-describedby=\"\(described.joined(separator: " "))\"" }
        if let autocomplete { h += " autocomplete=\"\(autocomplete)\"" }
        if required { h += " required" }
        h += " spellcheck=\"false\"></div>\n"
        return h
    }

    static func textarea(id: String, label: String, value: String?, hint: String? = nil, error: String? = nil) -> String {
        var h = group(error) + labelTag(id, label) + hintAndError(id, hint, error)
        h += "<textarea class=\"textarea\(error != nil ? " input-error" : "")\" id=\"\(esc(id))\" name=\"\(esc(id))\" rows=\"3\""
        if hint != nil || error != nil {
            h += " aria-describedby=\"\([hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }.joined(separator: " "))\""
        }
        h += ">\(esc(value ?? ""))</textarea></div>\n"
        return h
    }

    static func select(id: String, label: String, options: [(value: String, label: String)], selected: String?,
                       hint: String? = nil, error: String? = nil) -> String {
        var h = group(error) + labelTag(id, label) + hintAndError(id, hint, error)
        h += "<select class=\"select\" id=\"\(esc(id))\" name=\"\(esc(id))\""
        if hint != nil || error != nil {
            h += " aria-describedby=\"\([hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }.joined(separator: " "))\""
        }
        h += ">"
        for o in options {
            h += "<option value=\"\(esc(o.value))\"\(o.value == selected ? " selected" : "")>\(esc(o.label))</option>"
        }
        h += "</select></div>\n"
        return h
    }

    static func checkbox(id: String, label: String, checked: Bool, hint: String? = nil) -> String {
        var h = "<div class=\"form-group\"><div class=\"checkbox\">"
        h += "<input id=\"\(esc(id))\" name=\"\(esc(id))\" type=\"checkbox\" value=\"yes\"\(checked ? " checked" : "")"
        if hint != nil { h += " aria-describedby=\"\(id)-hint\"" }
        h += "><label for=\"\(esc(id))\">\(esc(label))</label></div>"
        if let hint { h += "<div id=\"\(esc(id))-hint\" class=\"hint\">\(esc(hint))</div>" }
        return h + "</div>\n"
    }

    private static func group(_ error: String?) -> String {
        "<div class=\"form-group\(error != nil ? " form-group-error" : "")\">"
    }
    private static func labelTag(_ id: String, _ text: String) -> String {
        "<label class=\"label\" for=\"\(esc(id))\">\(esc(text))</label>"
    }
    private static func hintAndError(_ id: String, _ hint: String?, _ error: String?) -> String {
        var h = ""
        if let hint { h += "<div id=\"\(esc(id))-hint\" class=\"hint\">\(esc(hint))</div>" }
        if let error { h += "<p id=\"\(esc(id))-error\" class=\"error-message\"><span class=\"visually-hidden\">Error:</span> \(esc(error))</p>" }
        return h
    }
}

/// A summary list (`<dl>`) of label/value rows; values are escaped.
func summaryList(_ rows: [(String, String)]) -> String {
    var h = "<dl class=\"summary-list\">"
    for (k, v) in rows { h += "<dt>\(esc(k))</dt><dd>\(esc(v))</dd>" }
    return h + "</dl>\n"
}

/// A table with a caption; cells are raw HTML (callers escape their values).
func table(caption: String, captionHidden: Bool = false, head: [String], rows: [[String]], numeric: Set<Int> = []) -> String {
    var h = "<table class=\"table\"><caption class=\"\(captionHidden ? "visually-hidden" : "caption")\">\(esc(caption))</caption><thead><tr>"
    for (i, c) in head.enumerated() { h += "<th scope=\"col\"\(numeric.contains(i) ? " class=\"num\"" : "")>\(esc(c))</th>" }
    h += "</tr></thead><tbody>"
    for r in rows {
        h += "<tr>"
        for (i, c) in r.enumerated() { h += "<td\(numeric.contains(i) ? " class=\"num\"" : "")>\(c)</td>" }
        h += "</tr>"
    }
    return h + "</tbody></table>\n"
}
