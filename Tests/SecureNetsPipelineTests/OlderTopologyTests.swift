import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import Testing

/// A vhost whose queues an older SecureNets declared, without the replication arguments (as the main
/// vhost of a long-lived development broker has them): the services and the producer use those queues
/// as they are, say so once each, and a job runs.
@Suite("Queues declared before replication")
struct OlderTopologyTests {
    /// The topology as SecureNets declared it before `x-quorum-initial-group-size` and
    /// `x-initial-cluster-size`.
    static func declareOlderTopology(_ url: AMQPURL) throws {
        let connection = try AMQPConnection(url: url, connectionName: "older SecureNets", logger: Logger(label: "test"))
        defer { connection.close() }
        try connection.declareExchange(SecureNetsTopology.deadLetterExchange, type: .fanout, durable: true)
        try connection.declareQueue(SecureNetsTopology.deadLetterQueue, durable: true, arguments: ["x-queue-type": "quorum"])
        for pool in [nil] + SecureNetsTopology.pools {
            for queue in [SecureNetsTopology.jobsQueue(pool: pool), SecureNetsTopology.resultsQueue(pool: pool)] {
                try connection.declareQueue(queue, durable: true, arguments: [
                    "x-queue-type": "quorum", "x-delivery-limit": .int32(5),
                    "x-dead-letter-exchange": .string(SecureNetsTopology.deadLetterExchange),
                    "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
                ])
            }
        }
        try connection.declareQueue(SecureNetsTopology.modelsStream, durable: true,
                                    arguments: ["x-queue-type": "stream", "x-max-age": "7D"])
    }

    @Test func aJobRunsOnQueuesDeclaredWithoutReplication() throws {
        let cluster = try PipelineCluster(name: "olderqueues", workers: 1, prepare: OlderTopologyTests.declareOlderTopology)
        defer { cluster.shutdown() }
        let job = try cluster.submit(batchSize: 90)
        #expect(job.status == 0, "submit failed: \(job.stderr)\n\(cluster.diagnostics())")
        let rows = try cluster.auditRows(job: job.id)
        #expect(rows.filter { $0.verdict == .passed }.count == 4)
        let outputs = try DataFile.readMatrix(at: job.outputs)
        #expect(Reference.maxDifference(outputs, try Reference.inProcessSecure(batchSize: 90)) <= Reference.probabilityTolerance)
        let log = cluster.verifier?.log ?? ""
        for queue in [SecureNetsTopology.jobsQueue, SecureNetsTopology.resultsQueue, SecureNetsTopology.modelsStream] {
            #expect(log.contains("queue '\(queue)' was declared without x-"), "the verifier says it uses \(queue) as it is")
        }
    }
}
