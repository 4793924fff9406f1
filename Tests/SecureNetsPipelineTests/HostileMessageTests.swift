import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging
import SecureNetsServices
import Testing

@Suite("Forged, altered, replayed and malformed messages", .serialized)
struct HostileMessageTests {
    /// Publishes results straight to the results queue, as a hostile worker or broker user could.
    struct Attacker {
        let cluster: PipelineCluster
        let publisher: AMQPConnection
        let session: BlindingSession
        let modelDigest: String
        let publishedAtMs: Int64

        init(cluster: PipelineCluster) throws {
            self.cluster = cluster
            // A hostile worker: it has exactly the worker role's permissions.
            publisher = try AMQPConnection(url: cluster.url(role: "worker"), connectionName: "attacker", logger: Logger(label: "test"))
                try publisher.enablePublisherConfirms()
            session = BlindingSession(network: try Reference.network, mode: .chained)
            let (digest, chunks) = ModelChunks.split(ModelCodec.encode(session.blindedModel))
            modelDigest = digest
            publishedAtMs = Int64(Date().timeIntervalSince1970 * 1000)
            for chunk in chunks {
                try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.modelsRoutingKey,
                                      body: chunk, mandatory: true)
            }
        }

        /// An honestly computed result for `batch` of a job, signed by `signer`.
        func result(jobID: String, batch: Int, signer: SigningIdentity) throws -> ResultMessage {
            let rows = try Reference.inputs.selectingRows((batch * 8)..<(batch * 8 + 8))
            let (input, _) = try session.blindInput(rows, segment: 0)
            let layers = session.plan.segments[0]
            let manifest = JobManifest(
                jobID: jobID, batch: batch, segment: 0, segmentCount: 1, firstLayer: 0, layerCount: layers.count,
                modelDigest: modelDigest, modelPublishedAtMs: publishedAtMs, precision: .exact, rows: input.rows,
                inputColumns: input.columns, inputSHA256: Digest.tensor(input),
                replyQueue: SecureNetsTopology.replyQueue(forJob: jobID), producerKey: signer.publicKey.fingerprint,
                issuedAtMs: 0)
            let job = try JobMessage(manifest: manifest, attempt: 1, input: input, signedBy: signer)
            let outputs = try BlindedForward.run(input: input, layers: session.blindedModel.layers[layers], precision: .exact)
            return ResultMessage(job: job, outputs: outputs, workerID: "attacker", computeMs: 1)
        }

        func send(_ body: [UInt8]) throws {
            try publisher.publish(exchange: SecureNetsTopology.exchange, routingKey: SecureNetsTopology.resultsRoutingKey,
                                  body: body, mandatory: true)
        }
    }

    @Test func eachIsRejectedOrDeadLetteredWithAReasonAndTheVerifierKeepsServing() throws {
        let cluster = try PipelineCluster(name: "hostile", workers: 1)
        defer { cluster.shutdown() }
        let producerKeyURL = cluster.home.appendingPathComponent("keys/producer.key")
        try cluster.waitUntil("local keys") { FileManager.default.fileExists(atPath: producerKeyURL.path) }
        let producer = try KeyFiles.loadPrivateKey(at: producerKeyURL)
        try cluster.waitForTopology()
        let attacker = try Attacker(cluster: cluster)
        let jobID = "hostile-\(UUID().uuidString.prefix(8).lowercased())"

        // Baseline: an honest, properly signed result passes.
        let honest = try attacker.result(jobID: jobID, batch: 0, signer: producer)
        try attacker.send(honest.encode())
        try cluster.waitUntil("the honest result's row") { try cluster.auditRows(job: jobID).count == 1 }
        #expect(try cluster.auditRows(job: jobID).first?.verdict == .passed)

        // Replay of the same result.
        try attacker.send(honest.encode())
        // Forged: signed by a key the verifier does not know.
        let forged = try attacker.result(jobID: jobID, batch: 1, signer: SigningIdentity())
        try attacker.send(forged.encode())
        // Altered input: the signed manifest names another input digest.
        let genuine = try attacker.result(jobID: jobID, batch: 2, signer: producer)
        var frame = try FrameCodec.decode(genuine.encode())
        frame.tensors[0][0, 0] += 1
        try attacker.send(FrameCodec.encode(frame))

        try cluster.waitUntil("three rejected rows") { try cluster.auditRows(job: jobID).count == 4 }
        let rows = try cluster.auditRows(job: jobID)
        let rejected = rows.filter { $0.verdict == .rejected }
        #expect(rejected.count == 3)
        #expect(rejected.contains { $0.batch == 0 && ($0.reason ?? "").contains("replayed") })
        #expect(rejected.contains { $0.batch == 1 && ($0.reason ?? "").contains("not signed by an authorized producer key") })
        #expect(rejected.contains { $0.batch == 2 && ($0.reason ?? "").contains("input does not match") })
        #expect(rows.filter { $0.verdict == .passed }.count == 1, "nothing but the honest result passed")

        // Malformed bytes go to the dead-letter queue with the reason in a header.
        try attacker.send(Array("definitely not a frame".utf8))
        let reader = try AMQPConnection(url: cluster.amqpURL, connectionName: "dlq reader", logger: Logger(label: "test"))
        defer { reader.close() }
        try reader.setPrefetch(count: 10)
        _ = try reader.consume(queue: SecureNetsTopology.deadLetterQueue)
        var reason: String?
        let deadline = Date().addingTimeInterval(30)
        while reason == nil, Date() < deadline {
            if let delivery = try reader.nextDelivery(timeout: .seconds(1)) {
                reason = delivery.properties.headers[SecureNetsTopology.reasonHeader]?.stringValue
                try reader.ack(deliveryTag: delivery.deliveryTag)
            }
        }
        #expect(reason?.contains("undecodable result") == true, "dead-letter reason: \(reason ?? "none")")

        // The verifier is still serving: a real job completes.
        let job = try cluster.submit(batchSize: 120)
        #expect(job.status == 0, "submit after hostile traffic failed: \(job.stderr)\n\(cluster.diagnostics())")
        #expect(cluster.verifier?.isRunning == true)
    }
}
