import CCurl
import Foundation

/// libcurl plumbing shared by the transports: one-time global init, a dedicated queue for the
/// blocking calls, and a small owner of an easy handle.
enum CurlRuntime {
    /// `curl_global_init` once per process, and SIGPIPE ignored (handles use CURLOPT_NOSIGNAL).
    static let initialised: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// libcurl's version string, for `send-test` reports.
    static var version: String { String(cString: curl_version()) }
}

/// Runs blocking libcurl work on its own serial dispatch queue (not on the two threads of the
/// Swift concurrency pool) and resumes the caller through a continuation.
final class BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        _ = CurlRuntime.initialised
        queue = DispatchQueue(label: label)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { cont in
            queue.async { cont.resume(returning: work()) }
        }
    }

    /// Runs `work` on the queue with a flag it reads between messages: set when the calling
    /// task is cancelled (SIGTERM), so the work finishes the message in flight and stops.
    func runCancellable<T: Sendable>(_ work: @escaping @Sendable (_ isCancelled: @escaping @Sendable () -> Bool) -> T) async -> T {
        let flag = CancelFlag()
        return await withTaskCancellationHandler {
            await run { work { flag.isSet } }
        } onCancel: { flag.set() }
    }
}

/// A flag set from any thread (task cancellation) and read on the transport's thread.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// An easy handle plus the buffers libcurl writes into; used on one thread at a time.
final class EasyHandle {
    let handle: UnsafeMutableRawPointer
    /// libcurl keeps this pointer for the handle's life: freed only after cleanup.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    init?() {
        guard CurlRuntime.initialised, let h = curl_easy_init() else { return nil }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        drw_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        drw_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for l in lists { curl_slist_free_all(l) }
        errorBuffer.deallocate()
    }

    @discardableResult func set(_ o: CURLoption, _ v: Int) -> CURLcode { drw_setopt_long(handle, o, v) }
    @discardableResult func set(_ o: CURLoption, _ v: String) -> CURLcode { drw_setopt_string(handle, o, v) }
    @discardableResult func set(_ o: CURLoption, pointer v: UnsafeMutableRawPointer?) -> CURLcode { drw_setopt_pointer(handle, o, v) }

    /// Sets a string list that lives as long as the handle.
    @discardableResult func set(_ o: CURLoption, list: [String]) -> CURLcode {
        var l: UnsafeMutablePointer<curl_slist>? = nil
        for s in list { l = curl_slist_append(l, s) }
        if let l { lists.append(l) }
        return drw_setopt_slist(handle, o, l)
    }

    func getLong(_ i: CURLINFO) -> Int {
        var v: Int = 0
        _ = drw_getinfo_long(handle, i, &v)
        return v
    }

    /// The error buffer's text, else libcurl's generic text for `code`.
    func errorText(_ code: CURLcode) -> String {
        let s = String(cString: errorBuffer)
        return s.isEmpty ? String(cString: curl_easy_strerror(code)) : s
    }

    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }
}

/// Maps a libcurl failure that is not about a server reply to a `DeliveryError`.
func curlFailure(_ code: CURLcode, _ text: String, what: String) -> DeliveryError {
    let c = Int(code.rawValue)
    let kind: DeliveryError.Kind
    switch code {
    case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
         CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
        kind = .unreachable
    case CURLE_OPERATION_TIMEDOUT: kind = .timeout
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        kind = .tlsVerification
    case CURLE_SSL_CONNECT_ERROR: kind = .tls
    case CURLE_USE_SSL_FAILED: kind = .tlsRequired
    case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR: kind = .loginDenied
    case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_SSL_CERTPROBLEM: kind = .configuration
    default: kind = .other
    }
    var hint = ""
    switch kind {
    case .tlsVerification: hint = "; check ca_file and the server's certificate name"
    case .tlsRequired: hint = "; the server does not offer TLS (tls = \"required\")"
    case .loginDenied: hint = "; check the username and the password or token file"
    default: break
    }
    return DeliveryError(kind, "\(what): \(text) (curl \(c))\(hint)", curlCode: c)
}

/// True for 127.0.0.0/8 (four decimal parts), ::1 and localhost: the hosts that plain SMTP and
/// http:// webhooks may use. The one loopback rule (the config loader uses it too).
public func isLoopbackHost(_ host: String) -> Bool {
    let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
    let parts = h.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
}
