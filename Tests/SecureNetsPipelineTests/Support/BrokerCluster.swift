import Foundation

/// A three-node RabbitMQ cluster of a test's own (`infra/local/cluster`): its own state directory,
/// ports and node names, so it never touches the single broker on 5672 that the other tests share.
/// Stop it with ``down()``, which also deletes its directory.
///
///     let broker = try BrokerCluster(port: 5781)
///     defer { broker.down() }
///     let cluster = try PipelineCluster(name: "nodekill", workers: 2, broker: broker)
final class BrokerCluster: @unchecked Sendable {
    static let script = RepositoryPaths.root.appendingPathComponent("infra/local/cluster")

    let directory: URL
    let port: Int
    let name: String

    /// What `infra/local/cluster` needs to find this cluster.
    var environment: [String: String] {
        ["SECURENETS_VAR_DIR": directory.path, "SECURENETS_CLUSTER_PORT": String(port),
         "SECURENETS_CLUSTER_TLS_PORT": String(port + 10), "SECURENETS_CLUSTER_NAME": name]
    }

    /// Starts a fresh cluster (`infra/local/cluster up`): AMQP on `port`, `port + 1` and `port + 2`.
    /// Its directory and node names depend on the port only, so the nodes of a run that died before
    /// stopping them are stopped here first instead of holding the ports.
    init(port: Int) throws {
        self.port = port
        name = "securenets-test-\(port)"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-cluster-\(port)")
        if FileManager.default.fileExists(atPath: directory.path) { down() }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let started = try run(["up"], timeout: 240)
        guard started.status == 0 else {
            down()
            throw HarnessError("infra/local/cluster up failed (status \(started.status)): \(started.stderr)")
        }
    }

    /// Runs `infra/local/cluster ARGUMENTS` for this cluster.
    @discardableResult
    func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BrokerCluster.script, arguments, environment: environment, timeout: timeout)
    }

    /// Runs `infra/local/cluster ARGUMENTS` and returns its standard output; throws when it fails.
    func output(_ arguments: [String]) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw HarnessError("infra/local/cluster \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The three nodes' URLs, comma-separated, as `user` (password = user name) on `vhost`.
    func urls(user: String, password: String, vhost: String) -> String {
        (0..<3).map { "amqp://\(user):\(password)@127.0.0.1:\(port + $0)/\(vhost)" }.joined(separator: ",")
    }

    /// The node name leading `queue` of `vhost`.
    func leader(of queue: String, vhost: String) throws -> String { try output(["leader", queue, vhost]) }

    /// The node number (1, 2, 3) of a node name.
    func number(of node: String) throws -> Int {
        guard let number = (1...3).first(where: { node == "\(name)-\($0)@localhost" }) else {
            throw HarnessError("\(node) is not a node of cluster \(name)")
        }
        return number
    }

    /// Stops every node and deletes the cluster's directory.
    func down() {
        _ = try? run(["down"])
        try? FileManager.default.removeItem(at: directory)
    }
}
