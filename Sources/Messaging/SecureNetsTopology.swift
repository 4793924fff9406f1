/// The broker objects SecureNets uses (docs/PROTOCOL.md §Topology), declared idempotently by every
/// service on start so that any process can be the first one up.
public enum SecureNetsTopology {
    public static let exchange = "securenets"
    public static let repliesExchange = "securenets.replies"
    public static let deadLetterExchange = "securenets.dead"
    public static let jobsQueue = "securenets.jobs"
    public static let resultsQueue = "securenets.results"
    public static let modelsStream = "securenets.models"
    public static let deadLetterQueue = "securenets.dead-letter"
    public static let jobsRoutingKey = "jobs"
    public static let resultsRoutingKey = "results"
    public static let modelsRoutingKey = "models"
    /// Header naming why a message was dead-lettered by a SecureNets service.
    public static let reasonHeader = "x-securenets-reason"

    /// How often a job or result may be returned to its queue before it is dead-lettered.
    public static let deliveryLimit = 5
    /// How long an unused reply queue lives (ms): long enough for `securenets collect` after a crash.
    public static let replyQueueExpiryMs: Int64 = 7 * 24 * 3600 * 1000

    /// Members of every quorum queue and replicas of the models stream on a RabbitMQ cluster: a
    /// majority (2 of 3) survives the loss of any one node. RabbitMQ caps it at the nodes the cluster
    /// has when the queue is declared (checked on 3.10: one member on a single node), so one
    /// topology serves a single broker and a cluster alike.
    public static let replicas = 3
    /// The argument that sets a quorum queue's members.
    public static let quorumReplicasArgument = "x-quorum-initial-group-size"
    /// The argument that sets a stream's replicas.
    public static let streamReplicasArgument = "x-initial-cluster-size"

    /// The masked-mode pools (docs/MASKED.md), each with its own jobs and results queue so that broker
    /// permissions can keep one pool's workers from ever reading the other's messages.
    public static let pools = ["data", "mask"]

    /// `securenets.jobs` for blinded mode (`pool` nil), `securenets.jobs.<pool>` for a masked pool.
    public static func jobsQueue(pool: String?) -> String { pool.map { "\(jobsQueue).\($0)" } ?? jobsQueue }
    public static func resultsQueue(pool: String?) -> String { pool.map { "\(resultsQueue).\($0)" } ?? resultsQueue }
    public static func jobsRoutingKey(pool: String?) -> String { pool.map { "\(jobsRoutingKey).\($0)" } ?? jobsRoutingKey }
    public static func resultsRoutingKey(pool: String?) -> String { pool.map { "\(resultsRoutingKey).\($0)" } ?? resultsRoutingKey }

    /// `securenets.reply.<job-id>`.
    public static func replyQueue(forJob jobID: String) -> String { "securenets.reply.\(jobID)" }

    static var workQueueArguments: [String: AMQPFieldValue] {
        [
            "x-queue-type": .string("quorum"),
            "x-delivery-limit": .int32(Int32(deliveryLimit)),
            "x-dead-letter-exchange": .string(deadLetterExchange),
            "x-dead-letter-strategy": .string("at-least-once"),
            "x-overflow": .string("reject-publish"),
            quorumReplicasArgument: .int32(Int32(replicas)),
        ]
    }

    /// Declares the exchanges, the work queues (blinded mode's two, and two per masked pool), the models
    /// stream and the dead-letter queue.
    public static func declare(on connection: AMQPConnection) throws {
        try connection.declareExchange(exchange, type: .direct, durable: true)
        try connection.declareExchange(repliesExchange, type: .direct, durable: true)
        try connection.declareExchange(deadLetterExchange, type: .fanout, durable: true)
        try declareReplicated(deadLetterQueue, arguments: ["x-queue-type": .string("quorum"),
                                                            quorumReplicasArgument: .int32(Int32(replicas))],
                              replicasArgument: quorumReplicasArgument, on: connection)
        try connection.bindQueue(deadLetterQueue, exchange: deadLetterExchange, routingKey: "")
        let pooled: [String?] = [nil] + pools
        let workQueues = pooled.flatMap { pool in
            [(jobsQueue(pool: pool), jobsRoutingKey(pool: pool)), (resultsQueue(pool: pool), resultsRoutingKey(pool: pool))]
        }
        for (queue, key) in workQueues {
            try declareReplicated(queue, arguments: workQueueArguments, replicasArgument: quorumReplicasArgument, on: connection)
            try connection.bindQueue(queue, exchange: exchange, routingKey: key)
        }
        try declareReplicated(modelsStream, arguments: [
            "x-queue-type": .string("stream"),
            "x-max-age": .string("7D"),
            streamReplicasArgument: .int32(Int32(replicas)),
        ], replicasArgument: streamReplicasArgument, on: connection)
        try connection.bindQueue(modelsStream, exchange: exchange, routingKey: modelsRoutingKey)
    }

    /// Declares a job's reply queue and binds it to the replies exchange.
    public static func declareReplyQueue(forJob jobID: String, on connection: AMQPConnection) throws {
        let queue = replyQueue(forJob: jobID)
        try declareReplicated(queue, arguments: [
            "x-queue-type": .string("quorum"),
            "x-expires": .int64(replyQueueExpiryMs),
            quorumReplicasArgument: .int32(Int32(replicas)),
        ], replicasArgument: quorumReplicasArgument, on: connection)
        try connection.bindQueue(queue, exchange: repliesExchange, routingKey: queue)
    }

    /// Declares durable `queue` with `arguments`, whose `replicasArgument` sets its replication.
    ///
    /// RabbitMQ refuses to redeclare a queue with other arguments (406), and a queue declared by an
    /// older SecureNets has no replication argument: such a queue is checked against the other
    /// arguments instead and used as it is (its members stay where they are), and the log says how to
    /// replicate it. Any other difference still throws the 406.
    ///
    /// - Returns: false when the queue existed without its replication argument.
    @discardableResult
    public static func declareReplicated(_ queue: String, arguments: [String: AMQPFieldValue], replicasArgument: String,
                                         on connection: AMQPConnection) throws -> Bool {
        do {
            try connection.declareQueue(queue, durable: true, arguments: arguments)
            return true
        } catch let error as AMQPError where error.replyCode == 406
                    && error.description.contains("inequivalent arg '\(replicasArgument)'")
                    && error.description.contains("current is none") {
            var unreplicated = arguments
            unreplicated[replicasArgument] = nil
            try connection.declareQueue(queue, durable: true, arguments: unreplicated)
            let grow = replicasArgument == streamReplicasArgument
                ? "`rabbitmq-streams add_replica -p <vhost> \(queue) <node>` for each node"
                : "`rabbitmq-queues grow <node> all` for each node"
            connection.logger.notice("""
                queue '\(queue)' was declared without \(replicasArgument) (by an older SecureNets); using it as it is. \
                On a cluster, replicate it with \(grow), or delete it while empty so that the next client declares it \
                with \(replicas) replicas (docs/DEPLOYMENT.md)
                """)
            return false
        }
    }
}
