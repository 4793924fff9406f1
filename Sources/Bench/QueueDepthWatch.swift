import ArgumentParser
import Foundation
import Logging
import SecureNetsMessaging

/// `securenets-bench queue-depth`: samples the ready-message count of some queues with AMQP passive
/// declares (no management plugin, no rabbitmqctl: a declare costs the broker next to nothing) while
/// a process runs, then prints each queue's peak. scripts/bench/scale.sh runs it next to a job to
/// show that the broker's backlog does not grow with the job.
struct QueueDepthWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-depth",
        abstract: "Peak ready messages of some queues while a process runs (AMQP passive declares).")

    @Option(help: "Broker URL, vhost included (default: $SECURENETS_AMQP_URL).")
    var amqpURL: String?

    @Option(help: "Queues to sample, comma-separated.")
    var queues: String

    @Option(help: "Sample until this process has exited.")
    var whilePid: Int32

    @Option(help: "Seconds between samples.")
    var interval = 0.25

    func run() throws {
        guard let text = amqpURL ?? ProcessInfo.processInfo.environment["SECURENETS_AMQP_URL"], !text.isEmpty else {
            throw ValidationError("give --amqp-url or set SECURENETS_AMQP_URL")
        }
        let names = queues.split(separator: ",").map(String.init)
        let connection = try AMQPConnection(url: try AMQPURL(text), connectionName: "securenets-bench queue-depth",
                                            logger: Logger(label: "securenets.bench"))
        defer { connection.close() }
        var peaks = [Int](repeating: 0, count: names.count)
        var peakTotal = 0, samples = 0
        while kill(whilePid, 0) == 0 || errno == EPERM {
            var total = 0
            for (index, name) in names.enumerated() {
                // A queue that does not exist yet (the job's reply queue) holds nothing.
                let count = (try? connection.declareQueuePassive(name).messageCount) ?? 0
                peaks[index] = max(peaks[index], count)
                total += count
            }
            peakTotal = max(peakTotal, total)
            samples += 1
            Thread.sleep(forTimeInterval: interval)
        }
        for (name, peak) in zip(names, peaks) { print("peak \(name) \(peak)") }
        print("peak total \(peakTotal)")
        print("samples \(samples)")
    }
}
