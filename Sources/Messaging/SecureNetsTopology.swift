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
        ]
    }

    /// Declares the exchanges, the work queues (blinded mode's two, and two per masked pool), the models
    /// stream and the dead-letter queue.
    public static func declare(on connection: AMQPConnection) throws {
        try connection.declareExchange(exchange, type: .direct, durable: true)
        try connection.declareExchange(repliesExchange, type: .direct, durable: true)
        try connection.declareExchange(deadLetterExchange, type: .fanout, durable: true)
        _ = try connection.declareQueue(deadLetterQueue, durable: true, arguments: ["x-queue-type": .string("quorum")])
        try connection.bindQueue(deadLetterQueue, exchange: deadLetterExchange, routingKey: "")
        let pooled: [String?] = [nil] + pools
        let workQueues = pooled.flatMap { pool in
            [(jobsQueue(pool: pool), jobsRoutingKey(pool: pool)), (resultsQueue(pool: pool), resultsRoutingKey(pool: pool))]
        }
        for (queue, key) in workQueues {
            _ = try connection.declareQueue(queue, durable: true, arguments: workQueueArguments)
            try connection.bindQueue(queue, exchange: exchange, routingKey: key)
        }
        _ = try connection.declareQueue(modelsStream, durable: true, arguments: [
            "x-queue-type": .string("stream"),
            "x-max-age": .string("7D"),
        ])
        try connection.bindQueue(modelsStream, exchange: exchange, routingKey: modelsRoutingKey)
    }

    /// Declares a job's reply queue and binds it to the replies exchange.
    public static func declareReplyQueue(forJob jobID: String, on connection: AMQPConnection) throws {
        let queue = replyQueue(forJob: jobID)
        _ = try connection.declareQueue(queue, durable: true, arguments: [
            "x-queue-type": .string("quorum"),
            "x-expires": .int64(replyQueueExpiryMs),
        ])
        try connection.bindQueue(queue, exchange: repliesExchange, routingKey: queue)
    }
}
