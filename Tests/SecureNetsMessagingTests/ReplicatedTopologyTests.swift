import SecureNetsMessaging
import Testing

/// The replication arguments on the broker the tests run against (a single node: RabbitMQ caps 3
/// replicas to the one node there is), and queues that older SecureNets versions declared without them.
@Suite("Replicated topology (needs RabbitMQ)")
struct ReplicatedTopologyTests {
    static let quorum: [String: AMQPFieldValue] = [
        "x-queue-type": "quorum",
        "x-delivery-limit": .int32(5),
        SecureNetsTopology.quorumReplicasArgument: .int32(Int32(SecureNetsTopology.replicas)),
    ]
    static let stream: [String: AMQPFieldValue] = [
        "x-queue-type": "stream",
        SecureNetsTopology.streamReplicasArgument: .int32(Int32(SecureNetsTopology.replicas)),
    ]

    @Test(arguments: [(quorum, SecureNetsTopology.quorumReplicasArgument), (stream, SecureNetsTopology.streamReplicasArgument)])
    func threeReplicasWorkOnASingleNode(_ arguments: [String: AMQPFieldValue], _ replicasArgument: String) throws {
        let connection = try Broker.connect("replicas")
        let queue = Broker.uniqueName("replicated")
        defer { _ = try? connection.deleteQueue(queue) }
        #expect(try SecureNetsTopology.declareReplicated(queue, arguments: arguments, replicasArgument: replicasArgument, on: connection))
        try connection.enablePublisherConfirms()
        // Confirmed: the one member there is took it.
        try connection.publish(exchange: "", routingKey: queue, body: Array("kept".utf8), mandatory: true)
    }

    @Test(arguments: [(quorum, SecureNetsTopology.quorumReplicasArgument), (stream, SecureNetsTopology.streamReplicasArgument)])
    func aQueueDeclaredWithoutReplicasIsUsedAsItIs(_ arguments: [String: AMQPFieldValue], _ replicasArgument: String) throws {
        let connection = try Broker.connect("unreplicated")
        let queue = Broker.uniqueName("unreplicated")
        defer { _ = try? connection.deleteQueue(queue) }
        var older = arguments
        older[replicasArgument] = nil
        try connection.declareQueue(queue, durable: true, arguments: older)
        // A plain redeclaration with the new argument is what RabbitMQ refuses.
        #expect {
            try connection.declareQueue(queue, durable: true, arguments: arguments)
        } throws: { error in
            (error as? AMQPError)?.replyCode == 406 && "\(error)".contains("inequivalent arg '\(replicasArgument)'")
        }
        #expect(try SecureNetsTopology.declareReplicated(queue, arguments: arguments, replicasArgument: replicasArgument,
                                                         on: connection) == false)
    }

    @Test func anyOtherDifferenceIsStillRefused() throws {
        let connection = try Broker.connect("other difference")
        let queue = Broker.uniqueName("other")
        defer { _ = try? connection.deleteQueue(queue) }
        var older = ReplicatedTopologyTests.quorum
        older[SecureNetsTopology.quorumReplicasArgument] = nil
        older["x-delivery-limit"] = .int32(9)
        try connection.declareQueue(queue, durable: true, arguments: older)
        #expect {
            try SecureNetsTopology.declareReplicated(queue, arguments: ReplicatedTopologyTests.quorum,
                                                     replicasArgument: SecureNetsTopology.quorumReplicasArgument, on: connection)
        } throws: { error in
            (error as? AMQPError)?.replyCode == 406 && "\(error)".contains("x-delivery-limit")
        }
    }
}
