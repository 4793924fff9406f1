import Foundation
import SecureNets

/// The producer's local, append-only record of a job, in `$SECURENETS_HOME/jobs/<job-id>/`:
/// `job.json` (the `JobRecord`), `events.log` (one line per step, synced before the step's message is
/// acked), `segment-<n>-<s>.npy` (the unblinded input of segment s > 0 of batch n, so that a resumed
/// job can dispatch it again) and `batch-<n>.npy` (verified outputs). Owner-only permissions: it holds
/// the job's secret and plaintext activations.
final class JobJournal {
    let directory: URL
    private(set) var record: JobRecord
    private(set) var modelPublishedAtMs: Int64?
    /// Every dispatch journaled, in order.
    private(set) var dispatches: [JournaledDispatch] = []
    /// Failed or rejected attempts counted against a batch segment's budget.
    private(set) var countedFailures: [JournaledFailure] = []
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
        for line in text.split(separator: "\n") { apply(JobJournal.fields(of: line)) }
    }

    private func apply(_ fields: [String]) {
        switch (fields.first, fields.count) {
        case ("model", 2): modelPublishedAtMs = Int64(fields[1])
        case ("dispatched", 5):
            if let batch = Int(fields[1]), let segment = Int(fields[2]), let attempt = Int(fields[3]) {
                dispatches.append(JournaledDispatch(batch: batch, segment: segment, attempt: attempt, manifestSHA256: fields[4]))
            }
        case ("counted", 5):
            if let batch = Int(fields[1]), let segment = Int(fields[2]), let attempt = Int(fields[3]) {
                countedFailures.append(JournaledFailure(batch: batch, segment: segment, attempt: attempt, reason: fields[4]))
            }
        case ("done", 2): if let batch = Int(fields[1]) { done.insert(batch) }
        case ("failed", 3): if let batch = Int(fields[1]) { failed[batch] = fields[2] }
        default: break  // a torn last line from a crash: the step it describes is redone
        }
    }

    private func append(_ line: String) throws {
        events.write(Data((line + "\n").utf8))
        try events.synchronize()
        apply(JobJournal.fields(of: Substring(line)))
    }

    /// A line's fields: the event name, then its fixed fields; the last field of `failed` and `counted`
    /// (a reason) may hold spaces.
    static func fields(of line: Substring) -> [String] {
        let name = line.prefix(while: { $0 != " " })
        let fixed = ["failed": 2, "counted": 4][String(name)] ?? Int.max
        return line.split(separator: " ", maxSplits: fixed, omittingEmptySubsequences: false).map(String.init)
    }

    func recordModelPublished(atMs time: Int64) throws { try append("model \(time)") }
    func recordDispatched(batch: Int, segment: Int, attempt: Int, manifestSHA256: String) throws {
        try append("dispatched \(batch) \(segment) \(attempt) \(manifestSHA256)")
    }
    func recordCountedFailure(batch: Int, segment: Int, attempt: Int, reason: String) throws {
        try append("counted \(batch) \(segment) \(attempt) \(JobJournal.oneLine(reason))")
    }
    func recordFailed(batch: Int, reason: String) throws {
        try append("failed \(batch) \(JobJournal.oneLine(reason))")
    }

    /// Records a reply that changed nothing (late, duplicate, or about an attempt not in flight).
    func recordLate(batch: Int, segment: Int, attempt: Int, verdict: String) throws {
        try append("late \(batch) \(segment) \(attempt) \(verdict)")
    }

    /// Stores the unblinded input of `segment` (> 0) of `batch` before that segment is dispatched.
    func recordSegmentInput(batch: Int, segment: Int, input: Matrix) throws {
        try DataFile.write(input, to: segmentInputURL(batch: batch, segment: segment))
    }

    func segmentInput(batch: Int, segment: Int) throws -> Matrix {
        try DataFile.readMatrix(at: segmentInputURL(batch: batch, segment: segment))
    }

    private func segmentInputURL(batch: Int, segment: Int) -> URL {
        directory.appendingPathComponent("segment-\(batch)-\(segment).npy")
    }

    private static func oneLine(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        return flat.isEmpty ? "-" : flat
    }

    func recordDone(batch: Int, output: Matrix) throws {
        try DataFile.write(output, to: outputURL(batch: batch))
        try append("done \(batch)")
    }

    func output(batch: Int) throws -> Matrix { try DataFile.readMatrix(at: outputURL(batch: batch)) }

    private func outputURL(batch: Int) -> URL { directory.appendingPathComponent("batch-\(batch).npy") }

    var isComplete: Bool { done.count + failed.count >= record.batchCount }
}

/// A dispatch as journaled: which attempt of which batch segment, under which signed manifest.
struct JournaledDispatch: Equatable {
    let batch: Int
    let segment: Int
    let attempt: Int
    let manifestSHA256: String
}

/// A failed or rejected attempt counted against the batch segment's budget.
struct JournaledFailure: Equatable {
    let batch: Int
    let segment: Int
    let attempt: Int
    let reason: String
}

struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
