import Foundation
import Testing

/// `submit` fails fast, saying what to fix, on broker errors that waiting cannot fix — not after
/// minutes of retries — and its job stays resumable.
@Suite("Submit and permanent broker errors")
struct SubmitBrokerErrorTests {
    static func submit(url: String) throws -> (status: Int32, stderr: String, seconds: TimeInterval) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-brokererr-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let started = Date()
        let run = try runCommand(RepositoryPaths.binary("securenets"), [
            "submit", "--model", RepositoryPaths.sampleModel.path, "--input", RepositoryPaths.sampleInputs.path,
            "--output", home.appendingPathComponent("out.npy").path, "--amqp-url", url, "--timeout", "120",
        ], environment: ["SECURENETS_HOME": home.path, "SECURENETS_AMQP_URL": "", "SECURENETS_PRODUCER_AMQP_URL": ""], timeout: 100)
        return (run.status, run.stderr, Date().timeIntervalSince(started))
    }

    static var broker: (host: String, port: Int) {
        let base = URL(string: PipelineCluster.baseAMQP.replacingOccurrences(of: "amqp://", with: "http://"))
        return (base?.host ?? "127.0.0.1", base?.port ?? 5672)
    }

    @Test func aWrongPasswordStopsTheJobAtOnceWithTheReason() throws {
        let (host, port) = Self.broker
        let result = try Self.submit(url: "amqp://securenets-producer:wrong-password@\(host):\(port)/securenets")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("refused user 'securenets-producer'"), "\(result.stderr)")
        #expect(result.stderr.contains("securenets collect"), "the job stays resumable: \(result.stderr)")
        #expect(!result.stderr.contains("retrying"), "no retries for a wrong password: \(result.stderr)")
    }

    @Test func aPortWhereNothingListensStopsTheJobAtOnce() throws {
        let result = try Self.submit(url: "amqp://securenets-producer:securenets-producer@127.0.0.1:5999/securenets")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("refused the connection"), "\(result.stderr)")
        #expect(!result.stderr.contains("retrying"), "\(result.stderr)")
    }

    @Test func aMissingVhostIsNamed() throws {
        let (host, port) = Self.broker
        let result = try Self.submit(url: "amqp://securenets-producer:securenets-producer@\(host):\(port)/no-such-vhost")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("vhost 'no-such-vhost'"), "\(result.stderr)")
    }
}
