import Foundation

// One interface for every way of delivering a message (compare Alertmanager's Notifier): a
// transport takes a batch, delivers it in order, and says for each message whether it was sent,
// should be retried, or failed for good. A new transport is one new type conforming to
// `Transport`; the poller's delivery loop does not change.

/// A message for a transport.
public enum OutgoingMessage: Hashable, Sendable {
    case email(OutgoingEmail)
    case webhook(OutgoingWebhook)

    /// The notification's identity.
    public var id: String {
        switch self {
        case .email(let e): e.id
        case .webhook(let w): w.id
        }
    }
}

/// The kind of message a transport takes.
public enum MessageKind: Hashable, Sendable {
    /// An email with an envelope (recipients may be delivered one by one).
    case email
    /// A webhook call (delivered whole, or not).
    case webhook
}

/// What happened to one message of a batch.
public struct DeliveryResult: Hashable, Sendable {
    /// Sent, try again later, or failed for good (an admin must act).
    public enum Verdict: Hashable, Sendable { case sent, retry, permanent }

    /// The message's identity.
    public var id: String
    /// The envelope recipients that accepted it (email); empty for a webhook.
    public var delivered: [String]
    /// Why the rest was not delivered; `nil` when it was.
    public var error: DeliveryError?

    public init(id: String, delivered: [String], error: DeliveryError?) {
        self.id = id; self.delivered = delivered; self.error = error
    }

    public var verdict: Verdict {
        guard let error else { return .sent }
        return error.isRetryable ? .retry : .permanent
    }

    /// An SMTP result: a permanent recipient error wins over a retryable one, so a refused
    /// address is parked rather than hammered.
    public init(_ r: EmailResult) {
        let errors = r.recipients.compactMap(\.error) + (r.error.map { [$0] } ?? [])
        self.init(id: r.id, delivered: r.delivered, error: errors.first { !$0.isRetryable } ?? errors.first)
    }

    /// A webhook result.
    public init(_ r: WebhookResult) {
        self.init(id: r.id, delivered: [], error: r.error)
    }
}

/// A way of delivering messages: SMTP, the file transport, a webhook.
public protocol Transport: Sendable {
    /// The kind of message it takes.
    var messageKind: MessageKind { get }

    /// Delivers `batch` in order. Never throws: each message attempted gets its result.
    ///
    /// - Parameters:
    ///   - now: the poll's time (a webhook's signing time).
    ///   - onResult: called with the message's index in `batch` and its result as soon as the
    ///     result is final, before the next message is attempted (so the caller can record it
    ///     durably first); `false` stops the batch there. Cancellation of the calling task is
    ///     checked between messages: the message in flight is finished, the rest not attempted.
    func deliver(_ batch: [OutgoingMessage], at now: Date,
                 onResult: @escaping @Sendable (Int, DeliveryResult) -> Bool) async
}

extension Transport {
    /// The result for a message of the wrong kind (a bug, or a stored message of another channel).
    static func wrongKind(_ m: OutgoingMessage, expected: MessageKind) -> DeliveryResult {
        DeliveryResult(id: m.id, delivered: [], error: DeliveryError(.invalidMessage, "message \(m.id) is not a\(expected == .email ? "n email" : " webhook call")"))
    }
}

/// A channel that cannot deliver (its config section was removed): every message fails with
/// `error`, permanently if the error says so.
public struct UnavailableTransport: Transport {
    public let messageKind: MessageKind
    public let error: DeliveryError
    public init(messageKind: MessageKind, error: DeliveryError) { self.messageKind = messageKind; self.error = error }

    public func deliver(_ batch: [OutgoingMessage], at now: Date,
                        onResult: @escaping @Sendable (Int, DeliveryResult) -> Bool) async {
        for (i, m) in batch.enumerated() where !onResult(i, DeliveryResult(id: m.id, delivered: [], error: error)) { return }
    }
}

extension SMTPTransport: Transport {
    public var messageKind: MessageKind { .email }

    public func deliver(_ batch: [OutgoingMessage], at now: Date,
                        onResult: @escaping @Sendable (Int, DeliveryResult) -> Bool) async {
        // Messages of another kind cannot occur (the caller builds them by `messageKind`); answered first.
        var emails: [OutgoingEmail] = [], index: [Int] = []
        for (i, m) in batch.enumerated() {
            if case .email(let e) = m { emails.append(e); index.append(i) }
            else if !onResult(i, Self.wrongKind(m, expected: .email)) { return }
        }
        if emails.isEmpty { return }
        let positions = index
        _ = await send(emails) { i, r in onResult(positions[i], DeliveryResult(r)) }
    }
}

extension WebhookTransport: Transport {
    public var messageKind: MessageKind { .webhook }

    public func deliver(_ batch: [OutgoingMessage], at now: Date,
                        onResult: @escaping @Sendable (Int, DeliveryResult) -> Bool) async {
        var hooks: [OutgoingWebhook] = [], index: [Int] = []
        for (i, m) in batch.enumerated() {
            if case .webhook(let w) = m { hooks.append(w); index.append(i) }
            else if !onResult(i, Self.wrongKind(m, expected: .webhook)) { return }
        }
        if hooks.isEmpty { return }
        let positions = index
        _ = await send(hooks, at: now) { i, r in onResult(positions[i], DeliveryResult(r)) }
    }
}

extension FileTransport: Transport {
    public var messageKind: MessageKind { .email }

    /// Writes each message (`.eml`, or `.json` for a webhook call as it would be POSTed, in the
    /// generic format) off the concurrency pool.
    public func deliver(_ batch: [OutgoingMessage], at now: Date,
                        onResult: @escaping @Sendable (Int, DeliveryResult) -> Bool) async {
        let transport = self
        await executor.runCancellable { isCancelled in
            for (i, m) in batch.enumerated() {
                if isCancelled() { return }
                let result: DeliveryResult
                do {
                    switch m {
                    case .email(let e):
                        try transport.write(e)
                        result = DeliveryResult(id: e.id, delivered: e.envelopeRecipients, error: nil)
                    case .webhook(let w):
                        try transport.write(w, format: .generic, at: now)
                        result = DeliveryResult(id: w.id, delivered: [], error: nil)
                    }
                } catch {
                    result = DeliveryResult(id: m.id, delivered: [],
                                            error: error as? DeliveryError ?? DeliveryError(.io, "cannot write the message file"))
                }
                if !onResult(i, result) { return }
            }
        }
    }
}
