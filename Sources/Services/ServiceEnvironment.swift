import Foundation
import Logging
import SecureNetsMessaging

/// Defaults every command shares, each overridable by environment and by flags.
public enum ServiceEnvironment {
    
    public static let defaultDatabaseURL = "postgresql://securenets:securenets@127.0.0.1:5432/securenets"

    /// The broker roles, each with its own least-privilege user (infra/local/rabbitmq): the two
    /// masked-mode worker pools have one each, so neither can read the other's queues.
    public enum Role: String, Sendable {
        case producer, worker, verifier
        case workerData = "worker-data"
        case workerMask = "worker-mask"

        /// The role of a worker in masked-mode pool `pool` ("data" or "mask").
        public init(workerPool pool: some RawRepresentable<String>) {
            self = pool.rawValue == "mask" ? .workerMask : .workerData
        }
    }

    /// The broker URL for `role`: `SECURENETS_<ROLE>_AMQP_URL` (`SECURENETS_WORKER_DATA_AMQP_URL` for
    /// the data pool, which falls back to `SECURENETS_WORKER_AMQP_URL`: a machine of one pool sets the
    /// worker's variable), else `SECURENETS_AMQP_URL`, else the local broker with the role's own user
    /// (`securenets-worker` may read jobs and publish results, nothing else; see docs/SECURITY.md).
    public static func amqpURL(for role: Role) -> String {
        let name = role.rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
        let poolFallback = role == .workerData || role == .workerMask ? env("SECURENETS_WORKER_AMQP_URL") : nil
        return env("SECURENETS_\(name)_AMQP_URL") ?? poolFallback ?? env("SECURENETS_AMQP_URL")
            ?? "amqp://securenets-\(role.rawValue):securenets-\(role.rawValue)@127.0.0.1:5672/securenets"
    }
    /// The broker URLs a command uses: those of its repeatable `--amqp-url` flag when given, else
    /// ``amqpURL(for:)``; either may list a cluster's nodes comma-separated (``AMQPURLList``).
    ///
    /// - Throws: ``AMQPError`` with code ``AMQPError/Code/invalidURL`` naming the URL that does not parse.
    public static func amqpURLs(for role: Role, flags: [String]) throws -> AMQPURLList {
        try AMQPURLList(parsing: flags.isEmpty ? [amqpURL(for: role)] : flags)
    }

    /// `SECURENETS_DATABASE_URL`, else the local default.
    public static var databaseURL: String { env("SECURENETS_DATABASE_URL") ?? defaultDatabaseURL }

    /// `SECURENETS_HOME`, else `~/.securenets`: keys and the producer's job journal.
    public static var home: URL {
        if let path = env("SECURENETS_HOME") { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".securenets")
    }

    public static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// Logs to standard error at `level` (flag), else `SECURENETS_LOG_LEVEL`, else info.
    public static func bootstrapLogging(level: String?) {
        let resolved = Logger.Level(rawValue: (level ?? env("SECURENETS_LOG_LEVEL") ?? "info").lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = resolved
            return handler
        }
    }
}
