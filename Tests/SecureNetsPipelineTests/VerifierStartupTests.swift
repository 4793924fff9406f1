import Foundation
import SecureNets
import SecureNetsMessaging
import Testing

/// Start-up refusals through the real binaries: a verifier that would reject every job, and a
/// worker whose broker login can never succeed, stop at once with a sentence saying what to fix.
@Suite("Service start-up refusals")
struct VerifierStartupTests {
    /// Runs `securenets-verifier serve` with a fresh SECURENETS_HOME; the refusal comes before any
    /// broker or database connection.
    private func serve(authorizedKeys: URL, in home: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(RepositoryPaths.binary("securenets-verifier"),
                       ["serve", "--id", "startup-test", "--authorized-keys", authorizedKeys.path],
                       environment: ["SECURENETS_HOME": home.path], timeout: 120)
    }

    private func freshHome() throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-startup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home
    }

    @Test func aMissingAuthorizedKeysFileIsRefused() throws {
        let home = try freshHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let missing = home.appendingPathComponent("no-such-authorized-keys")
        let result = try serve(authorizedKeys: missing, in: home)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no authorized producers: \(missing.path) does not exist"), "\(result.stderr)")
        #expect(result.stderr.contains("`securenets keygen` prints it"))
        #expect(result.stderr.contains("--allow-no-producers"))
    }

    @Test func anAuthorizedKeysFileWithNoKeyIsRefused() throws {
        let home = try freshHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let empty = home.appendingPathComponent("authorized_keys")
        try Data("# producers allowed to submit jobs\n\n".utf8).write(to: empty)
        let result = try serve(authorizedKeys: empty, in: home)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no authorized producers: \(empty.path) holds no key"), "\(result.stderr)")
    }

    @Test func allowNoProducersStartsAndStopsCleanly() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-keys-\(UUID().uuidString.prefix(8))")
        let cluster = try PipelineCluster(name: "nokeys", workers: 0,
                                          verifierArguments: ["--authorized-keys", missing.path, "--allow-no-producers"])
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let verifier = try #require(cluster.verifier)
        #expect(verifier.log.contains("no authorized producers: \(missing.path) does not exist; starting anyway"))
        verifier.signal(SIGTERM)
        #expect(verifier.wait(timeout: 60) == 0)
    }

    /// No key flags and a fresh SECURENETS_HOME (what `make demo` does): the keys are made on first
    /// use and the local producer is authorized, so the verifier starts.
    @Test func theLocalKeyringStillWorksOnFirstUse() throws {
        let cluster = try PipelineCluster(name: "firstuse", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let keys = cluster.home.appendingPathComponent("keys")
        let producer = try KeyFiles.loadTrustedKeys(at: keys.appendingPathComponent("producer.key.pub"))
        #expect(try KeyFiles.loadTrustedKeys(at: keys.appendingPathComponent("authorized_producers")) == producer)
        #expect(producer.count == 1)
    }

    @Test func aWorkerWithAWrongPasswordExitsAtOnce() throws {
        let home = try freshHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let base = try AMQPURL(PipelineCluster.baseAMQP)
        let result = try runCommand(RepositoryPaths.binary("securenets-worker"), ["--id", "wrong-password", "--threads", "1"],
                                    environment: ["SECURENETS_WORKER_AMQP_URL": "amqp://securenets-worker:not-the-pass-7f3@\(base.host):\(base.port)/securenets",
                                                  "SECURENETS_AMQP_URL": "", "SECURENETS_HOME": home.path],
                                    timeout: 120)
        let output = result.stdout + result.stderr
        #expect(result.status != 0)
        #expect(output.contains("refused user 'securenets-worker' (wrong password or unknown user"), "\(output)")
        #expect(!output.contains("retrying"))
        #expect(!output.contains("not-the-pass-7f3"))
    }

    @Test func aVerifierWithAWrongPasswordExitsAtOnce() throws {
        let home = try freshHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let base = try AMQPURL(PipelineCluster.baseAMQP)
        let result = try runCommand(RepositoryPaths.binary("securenets-verifier"), ["serve", "--id", "wrong-password"],
                                    environment: ["SECURENETS_VERIFIER_AMQP_URL": "amqp://securenets-verifier:not-the-pass-7f3@\(base.host):\(base.port)/securenets",
                                                  "SECURENETS_AMQP_URL": "", "SECURENETS_HOME": home.path,
                                                  "SECURENETS_DATABASE_URL": PipelineCluster.databaseURL],
                                    timeout: 120)
        let output = result.stdout + result.stderr
        #expect(result.status != 0)
        #expect(output.contains("refused user 'securenets-verifier' (wrong password or unknown user"), "\(output)")
        #expect(!output.contains("retrying"))
    }

    /// Before any verifier or producer declared the queues, a worker waits, says why, and stops
    /// cleanly when asked.
    @Test func aWorkerBeforeTheQueuesExistSaysWhoDeclaresThem() throws {
        let home = try freshHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let vhost = "securenets-test-noqueues-\(UUID().uuidString.prefix(8).lowercased())"
        let rabbitmq = RepositoryPaths.root.appendingPathComponent("infra/local/rabbitmq")
        let created = try runCommand(rabbitmq, ["vhost-add", vhost])
        try #require(created.status == 0, "\(created.stderr)")
        defer { _ = try? runCommand(rabbitmq, ["vhost-delete", vhost]) }
        let base = try AMQPURL(PipelineCluster.baseAMQP)
        let worker = try ChildProcess(name: "early-worker", executable: RepositoryPaths.binary("securenets-worker"),
                                      arguments: ["--id", "early-worker", "--threads", "1"],
                                      environment: ["SECURENETS_WORKER_AMQP_URL": "amqp://securenets-worker:securenets-worker@\(base.host):\(base.port)/\(vhost)",
                                                    "SECURENETS_AMQP_URL": "", "SECURENETS_HOME": home.path],
                                      logDirectory: home)
        defer { worker.stop() }
        let expected = "queue securenets.jobs does not exist yet: start a verifier or a producer, which declare it; retrying in"
        let deadline = Date().addingTimeInterval(60)
        while !worker.log.contains(expected), worker.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(worker.log.contains(expected), "\(worker.log)")
        #expect(!worker.log.contains("no verifier has declared"))
        worker.signal(SIGTERM)
        #expect(worker.wait(timeout: 30) == 0)
    }
}
