import Foundation
import SecureNets

/// The producer's local, append-only record of a job, in `$SECURENETS_HOME/jobs/<job-id>/`:
/// `job.json` (the `JobRecord`), `events.log` (one line per step, synced before the step's message is
/// acked) and `batch-<n>.npy` (verified outputs). Owner-only permissions: it holds the job's secret.
final class JobJournal {
    let directory: URL
    private(set) var record: JobRecord
    private(set) var modelPublishedAtMs: Int64?
    private(set) var published: [Int: Int] = [:]  // batch → highest segment published
    private(set) var done: Set<Int> = []
    private(set) var failed: [Int: String] = [:]
    private var events: FileHandle

    static func directory(forJob jobID: String, home: URL) -> URL {
        home.appendingPathComponent("jobs").appendingPathComponent(jobID)
    }

    /// Creates the journal of a new job.
    init(creating record: JobRecord, home: URL) throws {
        let manager = FileManager.default
        directory = JobJournal.directory(forJob: record.jobID, home: home)
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let recordURL = directory.appendingPathComponent("job.json")
        guard manager.createFile(atPath: recordURL.path, contents: try encoder.encode(record),
                                 attributes: [.posixPermissions: 0o600]) else {
            throw JournalError("cannot write \(recordURL.path)")
        }
        let eventsURL = directory.appendingPathComponent("events.log")
        guard manager.createFile(atPath: eventsURL.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw JournalError("cannot create \(eventsURL.path)")
        }
        events = try FileHandle(forWritingTo: eventsURL)
        self.record = record
    }

    /// Opens the journal of an existing job (for `securenets collect`).
    init(opening jobID: String, home: URL) throws {
        directory = JobJournal.directory(forJob: jobID, home: home)
        let recordURL = directory.appendingPathComponent("job.json")
        guard let data = try? Data(contentsOf: recordURL) else {
            throw JournalError("no journal for job \(jobID) in \(directory.path)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { record = try decoder.decode(JobRecord.self, from: data) } catch {
            throw JournalError("\(recordURL.path) is damaged: \(error)")
        }
        let eventsURL = directory.appendingPathComponent("events.log")
        let text = (try? String(contentsOf: eventsURL, encoding: .utf8)) ?? ""
        events = try FileHandle(forWritingTo: eventsURL)
        events.seekToEndOfFile()
        for line in text.split(separator: "\n") { apply(line.split(separator: " ", maxSplits: 2).map(String.init)) }
    }

    private func apply(_ fields: [String]) {
        switch (fields.first, fields.count) {
        case ("model", 2): modelPublishedAtMs = Int64(fields[1])
        case ("published", 3):
            if let batch = Int(fields[1]), let segment = Int(fields[2]) { published[batch] = max(published[batch] ?? -1, segment) }
        case ("done", 2): if let batch = Int(fields[1]) { done.insert(batch) }
        case ("failed", 3): if let batch = Int(fields[1]) { failed[batch] = fields[2] }
        default: break  // a torn last line from a crash: the step it describes is redone
        }
    }

    private func append(_ line: String) throws {
        events.write(Data((line + "\n").utf8))
        try events.synchronize()
        apply(line.split(separator: " ", maxSplits: 2).map(String.init))
    }

    func recordModelPublished(atMs time: Int64) throws { try append("model \(time)") }
    func recordPublished(batch: Int, segment: Int) throws { try append("published \(batch) \(segment)") }
    func recordFailed(batch: Int, reason: String) throws {
        try append("failed \(batch) \(reason.replacingOccurrences(of: "\n", with: " "))")
    }

    func recordDone(batch: Int, output: Matrix) throws {
        try DataFile.write(output, to: outputURL(batch: batch))
        try append("done \(batch)")
    }

    func output(batch: Int) throws -> Matrix { try DataFile.readMatrix(at: outputURL(batch: batch)) }

    private func outputURL(batch: Int) -> URL { directory.appendingPathComponent("batch-\(batch).npy") }

    var isComplete: Bool { done.count + failed.count >= record.batchCount }
}

struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
