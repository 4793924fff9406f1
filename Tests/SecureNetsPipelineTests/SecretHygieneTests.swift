import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging
import Testing

/// No secret — private keys, the job seed, the blinding keys it derives — appears in a log line, a
/// message to or from a worker, or the audit table; key and journal files are owner-only.
@Suite("Secrets stay secret", .serialized)
struct SecretHygieneTests {
    @Test func noSecretInLogsMessagesOrAuditAndFilesAreOwnerOnly() throws {
        let cluster = try PipelineCluster(name: "secrets", workers: 2, logLevel: "debug")
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        // A tap on everything sent to and from workers: jobs, models and results.
        let tap = try AMQPConnection(url: cluster.amqpURL, connectionName: "tap", maxBodyBytes: 128 << 20, logger: Logger(label: "test"))
        defer { tap.close() }
        try tap.declareQueue("tap", durable: false, arguments: ["x-queue-type": .string("classic")])
        for key in [SecureNetsTopology.jobsRoutingKey, SecureNetsTopology.resultsRoutingKey, SecureNetsTopology.modelsRoutingKey] {
            try tap.bindQueue("tap", exchange: SecureNetsTopology.exchange, routingKey: key)
        }

        let job = try cluster.submit(batchSize: 90, extra: ["--log-level", "debug"])
        #expect(job.status == 0, "\(job.stderr)\n\(cluster.diagnostics())")

        var messages: [[UInt8]] = []
        try tap.setPrefetch(count: 100)
        try tap.consume(queue: "tap")
        while let delivery = try tap.nextDelivery(timeout: .seconds(2)) {
            messages.append(delivery.body)
            try tap.ack(deliveryTag: delivery.deliveryTag)
        }
        #expect(messages.count >= 4 + 4 + 1, "tapped jobs, results and the model: \(messages.count)")

        // The secrets, as raw bytes and as the text forms they could leak in.
        let keys = cluster.home.appendingPathComponent("keys")
        let producerKey = try KeyFiles.loadPrivateKey(at: keys.appendingPathComponent("producer.key")).privateKey.rawRepresentation
        let verifierKey = try KeyFiles.loadPrivateKey(at: keys.appendingPathComponent("verifier.key")).privateKey.rawRepresentation
        let journal = cluster.home.appendingPathComponent("jobs/\(job.id)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: journal.appendingPathComponent("job.json"))) as? [String: Any]
        let seedText = try #require(record?["seed"] as? String)
        let seed = try #require(Data(base64Encoded: seedText))
        var rawSecrets: [(String, [UInt8])] = [("producer key", Array(producerKey)), ("verifier key", Array(verifierKey)),
                                               ("job seed", Array(seed))]
        // The model's blinding keys, re-derived from the seed exactly as the producer does.
        var rng = KeyStream(seed: Array(seed), label: "model keys")
        let network = try Reference.network
        let plan = SegmentPlan(network: network, mode: .chained)
        let modelKeys = ModelKeys.generate(for: network, plan: plan, using: &rng)
        for (b, key) in modelKeys.boundaries.enumerated() {
            for (i, scale) in key.scales.enumerated().prefix(16) {
                rawSecrets.append(("scale \(i) of key M\(b)", withUnsafeBytes(of: scale.bitPattern.littleEndian) { Array($0) }))
            }
        }
        let textSecrets = [("producer key", producerKey.base64EncodedString()), ("verifier key", verifierKey.base64EncodedString()),
                           ("job seed", seedText), ("job seed hex", Digest.hex(Array(seed))),
                           ("producer key hex", Digest.hex(Array(producerKey)))]

        for (index, message) in messages.enumerated() {
            for (name, secret) in rawSecrets { #expect(!message.contains(subsequence: secret), "message \(index) contains the \(name)") }
            let text = String(decoding: message, as: UTF8.self)
            for (name, secret) in textSecrets { #expect(!text.contains(secret), "message \(index) contains the \(name)") }
        }
        let logs = try FileManager.default.contentsOfDirectory(at: cluster.logs, includingPropertiesForKeys: nil)
            .map { try String(contentsOf: $0, encoding: .utf8) } + [job.stdout, job.stderr]
        #expect(logs.joined().contains("debug"), "the services really logged at debug level")
        for log in logs {
            for (name, secret) in textSecrets { #expect(!log.contains(secret), "a log line contains the \(name)") }
        }
        let audit = try AuditFormatter(format: .json).render(try cluster.auditRows(job: job.id))
        for (name, secret) in textSecrets { #expect(!audit.contains(secret), "the audit table contains the \(name)") }

        // Owner-only files.
        func mode(_ url: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(journal) & 0o077 == 0, "the job journal directory is private")
        for file in ["job.json", "events.log"] {
            #expect(try mode(journal.appendingPathComponent(file)) & 0o077 == 0, "\(file) is private")
        }
        for file in ["producer.key", "verifier.key"] {
            #expect(try mode(keys.appendingPathComponent(file)) == 0o600, "\(file) is 0600")
        }
        #expect(try mode(keys) & 0o077 == 0, "the keys directory is private")
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

extension Digest {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
