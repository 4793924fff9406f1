import Foundation
import Logging
import SecureNetsMessaging
import Testing

/// The broker users that infra/local/rabbitmq creates can do their job and nothing more.
@Suite("Least-privilege broker users", .serialized)
struct LeastPrivilegeTests {
    @Test func aWorkerCannotReplyToAProducerOrReadResults() throws {
        let cluster = try PipelineCluster(name: "perms", workers: 0)
        defer { cluster.shutdown() }
        // The verifier declares the topology, then stays up as the positive control's peer.
        try cluster.waitForTopology()
        let logger = Logger(label: "test")
        let replyQueue = SecureNetsTopology.replyQueue(forJob: "perms-\(UUID().uuidString.prefix(8).lowercased())")
        let producer = try AMQPConnection(url: cluster.url(role: "producer"), connectionName: "producer", logger: logger)
        defer { producer.close() }
        try SecureNetsTopology.declareReplyQueue(forJob: String(replyQueue.dropFirst("securenets.reply.".count)), on: producer)

        let worker = try AMQPConnection(url: cluster.url(role: "worker"), connectionName: "worker", logger: logger)
        defer { worker.close() }
        try worker.enablePublisherConfirms()
        #expect {
            try worker.publish(exchange: SecureNetsTopology.repliesExchange, routingKey: replyQueue,
                               body: Array("forged reply".utf8))
        } throws: { error in
            "\(error)".contains("403") || "\(error)".contains("ACCESS_REFUSED")
        }
        let reader = try AMQPConnection(url: cluster.url(role: "worker"), connectionName: "worker reader", logger: logger)
        defer { reader.close() }
        #expect(throws: AMQPError.self, "a worker may not consume results") {
            try reader.consume(queue: SecureNetsTopology.resultsQueue)
        }
        #expect(throws: AMQPError.self, "a worker may not consume a producer's replies") {
            try reader.consume(queue: replyQueue)
        }

        // The verifier may reply: the same publish succeeds with its user.
        let verifier = try AMQPConnection(url: cluster.url(role: "verifier"), connectionName: "verifier", logger: logger)
        defer { verifier.close() }
        try verifier.enablePublisherConfirms()
        try verifier.publish(exchange: SecureNetsTopology.repliesExchange, routingKey: replyQueue, body: Array("ok".utf8))
        #expect(try producer.declareQueuePassive(replyQueue).messageCount == 1)
    }
}
