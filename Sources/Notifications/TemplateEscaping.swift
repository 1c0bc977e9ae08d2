import ServiceConfig
import Recording
import DisputeCore
import Mustache

// The HTML part's escaping. swift-mustache's own HTML content type compares whole Characters
// (grapheme clusters), so U+0600 followed by `<` passes unescaped; every HTML template is
// rendered with this content type instead, which escapes per scalar (`SafeText.html`).

/// Mustache's escaping for the HTML part: `SafeText.html`, one Unicode scalar at a time.
struct ScalarHTMLContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { SafeText.html(text) }
}

enum TemplateEscaping {
    /// The pragma that selects `ScalarHTMLContentType`; registered with the library once, on first use.
    static let htmlPragma: String = {
        MustacheContentTypes.register(ScalarHTMLContentType(), named: "DRWATCH_HTML")
        return "{{% CONTENT_TYPE: DRWATCH_HTML}}"
    }()
}
