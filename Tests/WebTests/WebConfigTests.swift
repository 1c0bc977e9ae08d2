import DisputeService
import Notifications
import Recording
import ServiceConfig
import TOML
import Testing

@Suite("[web] config")
struct WebConfigTests {
    static func parse(_ web: String) throws -> WebConfig? {
        try DrwatchConfig.parse(text: "policies = [\"p.toml\"]\n[web]\n\(web)\n", path: "/etc/drwatch/drwatch.toml").web
    }

    @Test("Defaults: loopback port 8080, an http base_url on it, 8-hour sessions")
    func defaults() throws {
        let w = try #require(try Self.parse(""))
        #expect(w.host == "127.0.0.1")
        #expect(w.port == 8080)
        #expect(w.baseURL == "http://127.0.0.1:8080")
        #expect(w.sessionHours == 8)
        #expect(!w.secureCookies)
        #expect(!w.serveInRun, "drwatch serve serves the app unless [web] serve_in_run = true")
    }

    @Test("serve_in_run: true makes drwatch run serve the app too", arguments: [
        ("serve_in_run = true", true), ("serve_in_run = false", false),
    ])
    func serveInRun(line: String, expected: Bool) throws {
        #expect(try #require(try Self.parse(line)).serveInRun == expected)
    }

    @Test("An https base_url makes the cookies Secure; a trailing slash is dropped")
    func httpsBase() throws {
        let w = try #require(try Self.parse("listen = \"[::1]:9000\"\nbase_url = \"https://drwatch.council.example/\""))
        #expect(w.host == "::1")
        #expect(w.port == 9000)
        #expect(w.baseURL == "https://drwatch.council.example")
        #expect(w.secureCookies)
    }

    @Test("Refused, with the line and what to do", arguments: [
        ("listen = \"0.0.0.0:8080\"", "/etc/drwatch/drwatch.toml:3: \"listen\" in [web] is 0.0.0.0, not a loopback address; drwatch serves plain HTTP only, so listen on 127.0.0.1 and put a TLS reverse proxy in front (README \"Web app\")"),
        ("listen = \"10.1.2.3:443\"", "/etc/drwatch/drwatch.toml:3: \"listen\" in [web] is 10.1.2.3, not a loopback address; drwatch serves plain HTTP only, so listen on 127.0.0.1 and put a TLS reverse proxy in front (README \"Web app\")"),
        ("listen = \"127.0.0.1\"", "/etc/drwatch/drwatch.toml:3: \"listen\" in [web] is not HOST:PORT; write listen = \"127.0.0.1:8080\""),
        ("base_url = \"http://drwatch.council.example\"", "/etc/drwatch/drwatch.toml:3: \"base_url\" in [web] must start with https:// (http:// only for 127.0.0.1 or localhost)"),
        ("serve_in_run = \"yes\"", "/etc/drwatch/drwatch.toml:3: \"serve_in_run\" in [web] must be true or false, not a string; write serve_in_run = true"),
        ("session_hours = 0", "/etc/drwatch/drwatch.toml:3: \"session_hours\" in [web] is 0, out of range; use a value from 1 to 168"),
    ])
    func refused(web: String, message: String) throws {
        #expect(throws: ConfigFileError.self) { try Self.parse(web) }
        do { _ = try Self.parse(web) } catch { #expect("\(error)" == message) }
    }
}
