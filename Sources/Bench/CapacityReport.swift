import Foundation

/// Renders the capacity bench's measurements, the model and the fleet example as the tables
/// docs/BENCHMARKS.md shows, and as JSON.
struct CapacityReport: Encodable {
    let machine: String
    let loadAtStart: Double
    let loadAtEnd: Double
    /// The broker's per-message cost: small messages.
    let smallMessages: BrokerThroughput.Measurement
    let cells: [CapacityCell]
    let fleetCores: Int
    let fleetDescription: String

    var text: String {
        [machine,
         String(format: "load average (1 min) %.2f at the start, %.2f at the end", loadAtStart, loadAtEnd),
         String(format: "broker, %d B messages: %.0f messages/s, %.3f ms broker CPU per message (%d publishers)",
                smallMessages.messageBytes, smallMessages.messagesPerSecond, 1000 * smallMessages.brokerCPUPerMessage,
                smallMessages.publishers),
         "\nMeasured:\n", measuredTable, "\nCapacity model (rows of full-network inference):\n", capacityTable,
         "\nFleet of \(fleetDescription) = \(fleetCores) worker cores:\n", fleetTable].joined(separator: "\n")
    }

    var measuredTable: String {
        var rows = [["shape", "mode", "batch", "worker rows/s per core", "verifier results/s", "verifier CPU ms/result",
                     "verify ms by pool", "verifier rows/s per core", "broker, db CPU ms/result", "broker MB/s (msg MB)", "broker CPU ms/msg", "load"]]
        for cell in cells {
            let v = cell.verifier
            rows.append([
                cell.shape, cell.privacy, String(cell.batch) + (cell.batchNote == nil ? "" : "*"),
                cell.workers.map { ($0.pool.map { "\($0) " } ?? "") + String(format: "%.0f", $0.rowsPerSecond) }.joined(separator: ", "),
                String(format: "%.1f", v.resultsPerSecond),
                String(format: "%.1f", 1000 * v.verifierCPUSeconds / Double(v.results)),
                v.meanVerifyMsByPool.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value))" }.joined(separator: ", "),
                String(format: "%.0f", cell.model.verifierRowsPerCoreSecond),
                String(format: "%.1f, %.1f", 1000 * v.brokerCPUSeconds / Double(v.results), 1000 * v.databaseCPUSeconds / Double(v.results)),
                String(format: "%.0f (%.1f)", cell.broker.bytesPerSecond / 1e6, Double(cell.broker.messageBytes) / 1e6),
                String(format: "%.1f", 1000 * cell.broker.brokerCPUPerMessage),
                String(format: "%.1f", v.loadAverage),
            ])
        }
        return MarkdownTable.render(rows) + (cells.contains { $0.batchNote != nil }
            ? "\n\n\\* the largest batch whose result fits the broker's message limit" : "")
    }

    var capacityTable: String {
        var rows = [["shape", "mode", "worker core-s per 1k rows", "worker cores per verifier core", "broker KB per row",
                     "rows/s per broker node", "worker cores per broker node", "rows/s per broker core (CPU)", "worker cores per broker core"]]
        for cell in cells {
            let m = cell.model, c = cell.modelPerBrokerCore
            rows.append([
                cell.shape, cell.privacy, String(format: "%.2f", 1000 * m.workerCoreSecondsPerRow),
                String(format: "%.1f", m.workerCoresPerVerifierCore), String(format: "%.1f", m.brokerBytesPerRow / 1000),
                String(format: "%.0f", m.brokerRowsPerSecond), String(format: "%.1f", m.workerCoresPerBrokerNode),
                String(format: "%.0f", c.brokerRowsPerSecond), String(format: "%.1f", c.workerCoresPerBrokerNode),
            ])
        }
        return MarkdownTable.render(rows)
    }

    var fleetTable: String {
        var rows = [["shape", "mode", "rows/s", "verifier cores", "broker nodes (as here)", "broker cores (CPU)"]]
        for cell in cells {
            let fleet = cell.model.fleet(workerCores: fleetCores), perCore = cell.modelPerBrokerCore.fleet(workerCores: fleetCores)
            rows.append([cell.shape, cell.privacy, String(format: "%.0f", fleet.rowsPerSecond), String(format: "%.1f", fleet.verifierCores),
                         String(format: "%.1f", fleet.brokerNodes), String(format: "%.1f", perCore.brokerNodes)])
        }
        return MarkdownTable.render(rows)
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    enum CodingKeys: String, CodingKey {
        case machine, cells
        case loadAtStart = "load_at_start"
        case loadAtEnd = "load_at_end"
        case smallMessages = "small_messages"
        case fleetCores = "fleet_worker_cores"
        case fleetDescription = "fleet"
    }
}
