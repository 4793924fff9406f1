import Foundation
import SecureNets
import Testing

/// A job on a three-node RabbitMQ cluster of its own (infra/local/cluster, ports 5781-5783) while the
/// node leading `securenets.jobs` and `securenets.results` is killed and later started again: every
/// process fails over to another node, the queues elect new leaders among their other members, and
/// the job completes with the outputs of a fault-free run and one `passed` row per batch.
@Suite("A replicated broker loses a node", .serialized)
struct BrokerNodeKillTests {
    @Test func aJobOutlivesTheNodeLeadingItsQueues() throws {
        let broker = try BrokerCluster(port: 5781)
        defer { broker.down() }
        let cluster = try PipelineCluster(name: "nodekill", workers: 0, broker: broker)
        defer { cluster.shutdown() }
        // Workers start once the queues exist, so that they too connect to their first URL, node 1.
        try cluster.waitForTopology()
        let workers = try (1...2).map { try cluster.startWorker(id: "\(cluster.name)-w\($0)-\(cluster.verifierID.suffix(8))") }

        // The verifier declared the topology through node 1: every queue has a member on each node,
        // and node 1 leads the two work queues.
        let members = try broker.output(["ctl", "1", "--quiet", "list_queues", "-p", cluster.vhost, "--no-table-headers",
                                         "name", "members"])
        for queue in ["securenets.jobs", "securenets.results", "securenets.models", "securenets.dead-letter"] {
            let line = members.split(separator: "\n").first { $0.hasPrefix("\(queue)\t") } ?? ""
            #expect(line.components(separatedBy: "@localhost").count - 1 == 3, "\(queue) is not on three nodes: \(line)")
        }
        let leader = try broker.leader(of: "securenets.jobs", vhost: cluster.vhost)
        #expect(try broker.leader(of: "securenets.results", vhost: cluster.vhost) == leader)
        #expect(try broker.number(of: leader) == 1, "the processes' first URL is node 1, which they declared through")

        let long = try FaultTests.LongJob(cluster: cluster, copies: 6)
        let submission = Thread.detachNewThreadWithResult {
            try cluster.submit(input: long.inputURL, batchSize: long.batchSize, timeout: 300)
        }
        func verified() throws -> Int { try cluster.auditRows(job: submission.jobIDFromJournal(home: cluster.home) ?? "-").count }
        try cluster.waitUntil("some batches verified") { try verified() >= 3 }
        // Paused workers hold the job open across each step (a small job on loopback would otherwise
        // finish within the second a node takes to die or to boot).
        for worker in workers { worker.signal(SIGSTOP) }
        let killed = try broker.run(["kill", leader])
        #expect(killed.status == 0, "\(killed.stderr)")
        for worker in workers { worker.signal(SIGCONT) }

        // Two nodes of three are a majority: the job goes on while the leader is down.
        let beforeRestart = try verified()
        try cluster.waitUntil("batches verified with the leader down", timeout: 90) { try verified() >= beforeRestart + 5 }
        #expect(try broker.leader(of: "securenets.jobs", vhost: cluster.vhost) != leader)
        for worker in workers { worker.signal(SIGSTOP) }
        let restarted = try broker.run(["start", leader], timeout: 180)
        for worker in workers { worker.signal(SIGCONT) }
        #expect(restarted.status == 0, "\(restarted.stderr)")

        let job = try submission.value(timeout: 300)
        try long.expectCompleteAndExact(job, cluster: cluster, "the node leading jobs and results killed, then restarted")
        // Every process lost node 1 and went on with node 2.
        let failover = { (log: String) in
            log.split(separator: "\n").contains { $0.contains("127.0.0.1:5781") && $0.hasSuffix(", broker 127.0.0.1:5782)") }
        }
        for process in [cluster.verifier].compactMap({ $0 }) + workers {
            #expect(failover(process.log), "\(process.name) logs its failover from node 1 to node 2")
        }
        #expect(failover(job.stderr), "the producer logs its failover from node 1 to node 2")
        #expect(try broker.output(["status"]).contains("\(broker.name)-1@localhost \(broker.name)-2@localhost \(broker.name)-3@localhost"),
                "the restarted node rejoined the cluster")
    }
}
