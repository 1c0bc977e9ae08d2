import Foundation
import Logging
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// journald's native protocol: records as fields on a datagram socket, the text line otherwise.
@Suite("Journal fields")
struct JournalFieldsTests {
    /// A datagram socket bound at a fresh path: what journald's socket is to drwatch.
    final class Receiver {
        let path: String
        let fd: Int32
        init() throws {
            path = NSTemporaryDirectory() + "jr-\(UUID().uuidString.prefix(8)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
            let rc = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
            // A bound on failure only: a datagram already sent is waiting.
            var tv = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        func close() { Glibc.close(fd); unlink(path) }

        /// The next datagram, decoded into fields (in order).
        func receive() -> [(String, String)] {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return [] }
            return Self.decode(Array(buffer[0..<n]))
        }

        /// The native protocol's decoding, written from systemd's documentation.
        static func decode(_ b: [UInt8]) -> [(String, String)] {
            var out: [(String, String)] = []
            var i = 0
            while i < b.count {
                var j = i
                while j < b.count, b[j] != UInt8(ascii: "="), b[j] != UInt8(ascii: "\n") { j += 1 }
                let name = String(decoding: b[i..<j], as: UTF8.self)
                if j < b.count, b[j] == UInt8(ascii: "=") {
                    var k = j + 1
                    while k < b.count, b[k] != UInt8(ascii: "\n") { k += 1 }
                    out.append((name, String(decoding: b[(j + 1)..<k], as: UTF8.self)))
                    i = k + 1
                } else {
                    var n: UInt64 = 0
                    for (s, byte) in b[(j + 1)..<(j + 9)].enumerated() { n |= UInt64(byte) << (8 * UInt64(s)) }
                    let start = j + 9, end = start + Int(n)
                    out.append((name, String(decoding: b[start..<end], as: UTF8.self)))
                    i = end + 1
                }
            }
            return out
        }
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [String] = []
        func append(_ s: String) { lock.lock(); value.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test func aRecordGoesAsFieldsWithDrwatchNamesForItsMetadata() throws {
        let receiver = try Receiver()
        defer { receiver.close() }
        let journal = try #require(JournalSocket(path: receiver.path))
        let lines = Lines()
        let logger = Logger(label: "drwatch") { JournalLogHandler(label: $0, level: .info, journal: journal) { lines.append($0) } }
        logger.warning("Notification parked", metadata: ["dispute.ref": "DR-101", "message.id": "42", "channel": "email",
                                                        "error": "line one\nline two"])
        let fields = receiver.receive()
        #expect(fields.filter { $0.0 != "CODE_FILE" && $0.0 != "CODE_LINE" && $0.0 != "CODE_FUNC" }.map { "\($0.0)=\($0.1)" } == [
            "MESSAGE=Notification parked", "PRIORITY=4", "SYSLOG_IDENTIFIER=drwatch",
            "DRWATCH_CHANNEL=email", "DRWATCH_DISPUTE_REF=DR-101", "DRWATCH_ERROR=line one\\nline two", "DRWATCH_MESSAGE_ID=42",
        ])
        #expect(fields.first { $0.0 == "CODE_FILE" }?.1.hasSuffix("JournalFieldsTests.swift") == true)
        #expect(lines.all == [])   // nothing on stderr
    }

    @Test func aValueWithANewlineIsSentWithItsLength() {
        let bytes = JournalSocket.encode([("A", "x"), ("B", "1\n2")])
        #expect(bytes == Array("A=x\nB\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("1\n2\n".utf8))
        #expect(Receiver.decode(bytes).map { "\($0.0)|\($0.1)" } == ["A|x", "B|1\n2"])
    }

    @Test(arguments: [("dispute.ref", "DRWATCH_DISPUTE_REF"), ("message.id", "DRWATCH_MESSAGE_ID"), ("channel", "DRWATCH_CHANNEL"),
                      ("oidc.reason", "DRWATCH_OIDC_REASON"), ("x-é", "DRWATCH_X__"), (String(repeating: "a", count: 80), "DRWATCH_" + String(repeating: "A", count: 56))])
    func metadataKeysBecomeJournalFieldNames(key: String, field: String) {
        #expect(JournalSocket.fieldName(key) == field)
    }

    @Test func whenJournaldIsGoneTheTextLineIsWritten() throws {
        let receiver = try Receiver()
        let journal = try #require(JournalSocket(path: receiver.path))
        receiver.close()   // journald stopped after drwatch connected
        let lines = Lines()
        let logger = Logger(label: "drwatch") { JournalLogHandler(label: $0, level: .info, journal: journal) { lines.append($0) } }
        logger.info("Poll done", metadata: ["dispute.ref": "DR-1"])
        #expect(lines.all == ["<6>Poll done dispute.ref=DR-1\n"])
    }

    @Test func withoutAJournalSocketOrJournalStreamThereAreNoFields() {
        #expect(JournalSocket(path: NSTemporaryDirectory() + "no-such-\(UUID().uuidString.prefix(8)).sock") == nil)
        #expect(JournalSocket.forStderr(environment: [:]) == nil)
        #expect(JournalSocket.forStderr(environment: ["JOURNAL_STREAM": "1:2"]) == nil)   // not this stderr
    }
}
