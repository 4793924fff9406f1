import Foundation
import SecureNets

/// The producer's local, append-only record of a job, in `$SECURENETS_HOME/jobs/<job-id>/`:
/// `job.json` (the `JobRecord`), `events.log` (one `JournalEvent` per line, framed and checked by
/// `JournalLine`, synced before the step's message is acked), `segment-<n>-<s>.npy` (the unblinded
/// input of segment s > 0 of batch n, so that a resumed job can dispatch it again; in masked mode a
/// segment is a layer), `product-<n>-<l>-<pool>.bin` (masked mode: a pool's verified product of layer l
/// awaiting the other pool's), `batch-<n>.npy`
/// (verified outputs) and `lock`. The directory is 0700 and every file 0600: it holds the job's
/// secret seed and plaintext activations.
///
/// One process at a time: the object holds the job's `JobLock` for its whole life, so a second
/// `collect` (or a `collect` while `submit` runs the job) fails at once saying the job is busy.
/// Events are appended with O_APPEND; a failed write or sync throws; a line cut by a crash is
/// ignored on opening and cut off the file, so later lines never run into it.
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
    /// Complete lines of `events.log` that were not applied when it was opened (damaged lines).
    private(set) var ignoredLines = 0
    private let lock: JobLock
    private let eventsURL: URL
    private let events: Int32
    /// Bytes of `events.log` written so far, to cut a failed append back off.
    private var eventsLength: off_t

    static func directory(forJob jobID: String, home: URL) -> URL {
        home.appendingPathComponent("jobs").appendingPathComponent(jobID)
    }

    /// Creates the journal of a new job and takes its lock.
    ///
    /// - Throws: `JournalError` when the directory already exists or any file cannot be written.
    init(creating record: JobRecord, home: URL) throws {
        directory = JobJournal.directory(forJob: record.jobID, home: home)
        try PrivateFiles.makeDirectory(directory, exclusive: true)
        // Locked before job.json exists: whoever can see the job finds it locked.
        lock = try JobLock(directory: directory, jobID: record.jobID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try PrivateFiles.replace(directory.appendingPathComponent("job.json"), with: try encoder.encode(record))
        eventsURL = directory.appendingPathComponent("events.log")
        events = try PrivateFiles.openForAppending(eventsURL, create: true)
        eventsLength = 0
        self.record = record
        try PrivateFiles.syncDirectory(directory)
    }

    /// Opens the journal of an existing job (for `securenets collect`), takes its lock and applies
    /// every intact event.
    ///
    /// - Throws: `JournalError` when there is no such job, it is busy, or its files are damaged.
    init(opening jobID: String, home: URL) throws {
        directory = JobJournal.directory(forJob: jobID, home: home)
        let recordURL = directory.appendingPathComponent("job.json")
        guard FileManager.default.fileExists(atPath: recordURL.path) else {
            throw JournalError("no journal for job \(jobID) in \(directory.path)")
        }
        lock = try JobLock(directory: directory, jobID: jobID)
        let data: Data
        do { data = try Data(contentsOf: recordURL) } catch {
            throw JournalError("cannot read \(recordURL.path): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { record = try decoder.decode(JobRecord.self, from: data) } catch {
            throw JournalError("\(recordURL.path) is damaged: \(error)")
        }
        eventsURL = directory.appendingPathComponent("events.log")
        let fd = try PrivateFiles.openForAppending(eventsURL, create: false)
        let contents: JournalLine.Contents
        do { contents = try JobJournal.readEvents(fd, url: eventsURL) } catch {
            close(fd)
            throw error
        }
        events = fd
        eventsLength = off_t(contents.completeLength)
        ignoredLines = contents.ignoredLines
        for event in contents.events { apply(event) }
    }

    deinit { close(events) }

    /// The events in the open `events.log`; a last line cut by a crash is cut off the file, or the
    /// next append would continue it.
    private static func readEvents(_ fd: Int32, url: URL) throws -> JournalLine.Contents {
        let data: Data
        do { data = try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data() } catch {
            throw JournalError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let contents = JournalLine.contents(of: data)
        if contents.completeLength < data.count {
            guard ftruncate(fd, off_t(contents.completeLength)) == 0, fsync(fd) == 0 else {
                throw PrivateFiles.failure("cannot cut the damaged last line off", url, errno)
            }
        }
        return contents
    }

    private func apply(_ event: JournalEvent) {
        switch event {
        case .modelPublished(let time): modelPublishedAtMs = time
        case .dispatched(let batch, let segment, let attempt, let manifestSHA256):
            dispatches.append(JournaledDispatch(batch: batch, segment: segment, attempt: attempt, manifestSHA256: manifestSHA256))
        case .counted(let batch, let segment, let attempt, let reason):
            countedFailures.append(JournaledFailure(batch: batch, segment: segment, attempt: attempt, reason: reason))
        case .late: break
        case .done(let batch): done.insert(batch)
        case .failed(let batch, let reason): failed[batch] = reason
        }
    }

    /// Appends `event` (written and synced) and applies it.
    ///
    /// - Throws: `JournalError` when the write or the sync fails; the partial line is cut off again
    ///   when possible, and the event is not applied.
    func append(_ event: JournalEvent) throws {
        let line = JournalLine.encoded(event)
        do {
            try PrivateFiles.writeAll(line, to: events, url: eventsURL)
        } catch {
            _ = ftruncate(events, eventsLength)
            throw error
        }
        eventsLength += off_t(line.count)
        apply(event)
    }

    func recordModelPublished(atMs time: Int64) throws { try append(.modelPublished(atMs: time)) }
    func recordDispatched(batch: Int, segment: Int, attempt: Int, manifestSHA256: String) throws {
        try append(.dispatched(batch: batch, segment: segment, attempt: attempt, manifestSHA256: manifestSHA256))
    }
    func recordCountedFailure(batch: Int, segment: Int, attempt: Int, reason: String) throws {
        try append(.counted(batch: batch, segment: segment, attempt: attempt, reason: reason))
    }
    /// Records a reply that changed nothing (late, duplicate, or about an attempt not in flight).
    func recordLate(batch: Int, segment: Int, attempt: Int, verdict: String) throws {
        try append(.late(batch: batch, segment: segment, attempt: attempt, verdict: verdict))
    }
    func recordFailed(batch: Int, reason: String) throws { try append(.failed(batch: batch, reason: reason)) }

    /// Stores the unblinded input of `segment` (> 0) of `batch` (owner-only, synced) before that segment
    /// is dispatched.
    func recordSegmentInput(batch: Int, segment: Int, input: Matrix) throws {
        let url = segmentInputURL(batch: batch, segment: segment)
        try PrivateFiles.replace(url, with: try DataFile.encoded(input, for: url))
    }

    func segmentInput(batch: Int, segment: Int) throws -> Matrix {
        try DataFile.readMatrix(at: segmentInputURL(batch: batch, segment: segment))
    }

    private func segmentInputURL(batch: Int, segment: Int) -> URL {
        directory.appendingPathComponent("segment-\(batch)-\(segment).npy")
    }

    /// Stores a masked-mode pool's verified product Z of `layer` for `batch` (owner-only, synced) before
    /// its reply is acked, so that a resumed job still has it when the other pool's reply arrives.
    func recordProduct(batch: Int, layer: Int, pool: MaskedPool, product: ResidueMatrix) throws {
        try PrivateFiles.replace(productURL(batch: batch, layer: layer, pool: pool), with: Data(ResidueCoding.encode([product])))
    }

    /// The stored product, or nil when there is none (or it is damaged: the layer is then redone).
    func product(batch: Int, layer: Int, pool: MaskedPool) -> ResidueMatrix? {
        guard let data = FileManager.default.contents(atPath: productURL(batch: batch, layer: layer, pool: pool).path),
              let matrices = try? ResidueCoding.decode(Array(data)), matrices.count == 1 else { return nil }
        return matrices[0]
    }

    /// Removes a finished batch's stored products (best effort: leftovers are only disk space).
    func removeProducts(batch: Int, layers: Int) {
        for layer in 0..<layers {
            for pool in MaskedPool.allCases { try? FileManager.default.removeItem(at: productURL(batch: batch, layer: layer, pool: pool)) }
        }
    }

    private func productURL(batch: Int, layer: Int, pool: MaskedPool) -> URL {
        directory.appendingPathComponent("product-\(batch)-\(layer)-\(pool).bin")
    }

    /// Writes the batch's verified output (owner-only, synced), then records it done.
    func recordDone(batch: Int, output: Matrix) throws {
        let url = outputURL(batch: batch)
        try PrivateFiles.replace(url, with: try DataFile.encoded(output, for: url))
        try append(.done(batch: batch))
    }

    func output(batch: Int) throws -> Matrix { try DataFile.readMatrix(at: outputURL(batch: batch)) }

    /// Where a CSV input is kept as float32 `.npy` for reading by batches (owner-only).
    var convertedInputURL: URL { directory.appendingPathComponent("input.npy") }

    private func outputURL(batch: Int) -> URL { directory.appendingPathComponent("batch-\(batch).npy") }

}

/// A dispatch as journaled: which attempt of which batch segment, under which signed manifest. In
/// masked mode the journal's batch field of dispatch, count and late events is a lane, 2·batch + pool
/// (data 0, mask 1): each pool's product of a layer has its own attempts.
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

/// Why the job journal could not be created, opened or written; `description` says what and where.
struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
