@testable import SecureNetsProducer
import SecureNetsServices
@testable import SecureNetsVerifier
@testable import SecureNetsWorker
import Testing

/// `--amqp-url` repeats on every command that talks to the broker, and each value may list several
/// URLs: what the commands hand to their loops, without a broker.
@Suite("Several --amqp-url flags (no broker)")
struct BrokerURLFlagTests {
    static let flags = ["--amqp-url", "amqp://u:p@node1/securenets",
                        "--amqp-url", "amqp://u:p@node2/securenets,amqp://u:p@node3/securenets"]
    static let hosts = ["node1", "node2", "node3"]

    @Test func theWorkerTakesEveryURL() throws {
        let command = try WorkerCommand.parse(BrokerURLFlagTests.flags)
        #expect(try ServiceEnvironment.amqpURLs(for: .worker, flags: command.amqpURL).urls.map(\.host) == BrokerURLFlagTests.hosts)
    }

    @Test func theVerifierTakesEveryURL() throws {
        let command = try VerifierCommand.Serve.parse(BrokerURLFlagTests.flags)
        #expect(try ServiceEnvironment.amqpURLs(for: .verifier, flags: command.amqpURL).urls.map(\.host) == BrokerURLFlagTests.hosts)
    }

    @Test func submitAndCollectTakeEveryURL() throws {
        #expect(try BrokerOptions.parse(BrokerURLFlagTests.flags).urls().urls.map(\.host) == BrokerURLFlagTests.hosts)
    }

    @Test func oneFlagIsOneURL() throws {
        let command = try WorkerCommand.parse(["--amqp-url", "amqp://u:p@node1/securenets"])
        #expect(try ServiceEnvironment.amqpURLs(for: .worker, flags: command.amqpURL).count == 1)
    }
}
