import Logging

extension AMQPURLList {
    /// Opens one connection to the first URL that takes it, trying them in turn from `turn`: for a
    /// short task (fetching a model from the stream) that has no retry loop of its own.
    ///
    /// - Returns: the connection, and the turn of the URL that took it (start there next time, so
    ///   a dead node costs one refused connection, not one per task).
    /// - Throws: at once an error that no other node would answer otherwise (a refused login, a
    ///   refused TLS handshake, …); when every URL failed, the last URL's error (with one URL, its
    ///   error as `AMQPConnection.init` threw it).
    public func connect(connectionName: String, startingAt turn: Int = 0,
                        maxBodyBytes: Int = AMQPConnection.defaultMaxBodyBytes,
                        logger: Logger) throws -> (connection: AMQPConnection, turn: Int) {
        var lastError: AMQPError?
        for offset in 0..<count {
            let url = self[turn: turn + offset]
            do {
                let connection = try AMQPConnection(url: url, connectionName: connectionName, maxBodyBytes: maxBodyBytes,
                                                    logger: logger)
                return (connection, (turn + offset) % count)
            } catch let error as AMQPError where !error.isPermanent(connectedBefore: true) {
                logger.debug("broker at \(url.host):\(url.port) did not take the connection; trying the next",
                             metadata: ["error": "\(error)"])
                lastError = error
            }
        }
        throw lastError!
    }
}
