import SecureNets
import SecureNetsVerifier

/// Keeps what the verifier would have published, for unit tests.
final class RecordingOutbox: VerifierOutbox, @unchecked Sendable {
    private(set) var replies: [(queue: String, body: [UInt8])] = []
    private(set) var deadLetters: [(body: [UInt8], reason: String)] = []

    func reply(_ body: [UInt8], toQueue queue: String) throws { replies.append((queue, body)) }
    func deadLetter(_ body: [UInt8], reason: String) throws { deadLetters.append((body, reason)) }
}
