@testable import SecureNetsMessaging
import Testing

/// Which broker errors waiting can fix (the rule of `AMQPError.isPermanent(connectedBefore:)`),
/// for the cases a test broker cannot be made to produce on demand.
@Suite("Broker error classification (no broker)")
struct ErrorClassificationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let error: AMQPError
        let permanentAtStartUp: Bool
        let permanentLater: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "invalid URL", error: AMQPError(.invalidURL, "bad"), permanentAtStartUp: true, permanentLater: true),
        Case(name: "wrong password", error: AMQPError(.loginRefused, "refused", replyCode: 403),
             permanentAtStartUp: true, permanentLater: true),
        Case(name: "vhost down while recovering", error: AMQPError(.loginRefused, "down", replyCode: 530, cause: .vhostDown),
             permanentAtStartUp: false, permanentLater: false),
        Case(name: "connection refused", error: AMQPError(.connectFailed, "refused", cause: .connectionRefused),
             permanentAtStartUp: true, permanentLater: false),
        Case(name: "unknown host", error: AMQPError(.connectFailed, "unknown", cause: .hostUnresolvable),
             permanentAtStartUp: true, permanentLater: false),
        Case(name: "connect timed out", error: AMQPError(.connectFailed, "timed out"), permanentAtStartUp: false, permanentLater: false),
        Case(name: "403 on a channel", error: AMQPError(.channelClosed, "403", replyCode: 403),
             permanentAtStartUp: true, permanentLater: true),
        Case(name: "404 on a channel", error: AMQPError(.channelClosed, "404", replyCode: 404),
             permanentAtStartUp: false, permanentLater: false),
        Case(name: "broker shutting down", error: AMQPError(.connectionClosed, "320", replyCode: 320),
             permanentAtStartUp: false, permanentLater: false),
        Case(name: "connection lost", error: AMQPError(.connectionLost, "lost"), permanentAtStartUp: false, permanentLater: false),
        Case(name: "timeout", error: AMQPError(.timeout, "slow"), permanentAtStartUp: false, permanentLater: false),
    ]

    @Test(arguments: cases)
    func permanence(_ item: Case) {
        #expect(item.error.isPermanent(connectedBefore: false) == item.permanentAtStartUp)
        #expect(item.error.isPermanent(connectedBefore: true) == item.permanentLater)
    }

    @Test func describedKeepsTheCodeAndTheCause() {
        let error = AMQPError(.connectFailed, "refused", cause: .connectionRefused).described("gave up: refused")
        #expect(error.code == .connectFailed && error.description == "gave up: refused")
        #expect(error.isPermanent(connectedBefore: false))
    }
}
