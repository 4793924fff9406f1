import Foundation
import SecureNets
import Testing
@testable import SecureNetsProducer

@Suite("The job journal")
struct JobJournalTests {
    static let digest = String(repeating: "ab", count: 32)

    static func record(id: String = UUID().uuidString.lowercased(), rows: Int = 10, batchSize: Int = 4) -> JobRecord {
        JobRecord(jobID: id, modelPath: "/m.onnx", modelFileSHA256: "00", inputPath: "/in.npy", inputFileSHA256: "00",
                  outputPath: "/out.npy", labelsPath: nil, rows: rows, batchSize: batchSize, mode: .chained,
                  precision: .exact, seed: Data(repeating: 7, count: 32).base64EncodedString(),
                  producerKeyPath: "/p.key", verifierKeyPath: "/v.key.pub", createdAt: Date(timeIntervalSince1970: 0))
    }

    static func withHome<Result>(_ body: (URL) throws -> Result) throws -> Result {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        return try body(home)
    }

    /// Creates the job, runs `steps` on its journal, closes it (releasing the lock) and returns its events.log.
    static func journaled(_ record: JobRecord, home: URL, _ steps: (JobJournal) throws -> Void) throws -> URL {
        let journal = try JobJournal(creating: record, home: home)
        try steps(journal)
        return journal.directory.appendingPathComponent("events.log")
    }

    static func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test func filesAreOwnerOnly() throws {
        try Self.withHome { home in
            let journal = try JobJournal(creating: Self.record(), home: home)
            try journal.recordDone(batch: 0, output: Matrix([[0.25, 0.75]]))
            #expect(try Self.mode(journal.directory) == 0o700)
            #expect(try Self.mode(journal.directory.deletingLastPathComponent()) == 0o700, "the jobs directory")
            for file in ["job.json", "events.log", "lock", "batch-0.npy"] {
                #expect(try Self.mode(journal.directory.appendingPathComponent(file)) == 0o600, "\(file)")
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: journal.directory.path).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "no temporary files remain: \(leftovers)")
        }
    }

    @Test func eventsSurviveReopening() throws {
        try Self.withHome { home in
            let record = Self.record()
            do {
                let journal = try JobJournal(creating: record, home: home)
                try journal.recordModelPublished(atMs: 1234)
                for batch in 0..<3 { try journal.recordDispatched(batch: batch, segment: 0, attempt: 1, manifestSHA256: Self.digest) }
                try journal.recordDispatched(batch: 1, segment: 1, attempt: 2, manifestSHA256: Self.digest)
                try journal.recordCountedFailure(batch: 1, segment: 1, attempt: 2, reason: "failed: x")
                try journal.recordDone(batch: 0, output: Matrix([[1, 2]]))
                try journal.recordFailed(batch: 2, reason: "bad\nresult")
            }
            let reopened = try JobJournal(opening: record.jobID, home: home)
            #expect(reopened.record.jobID == record.jobID && reopened.record.batchCount == 3)
            #expect(reopened.modelPublishedAtMs == 1234)
            #expect(reopened.dispatches.map { [$0.batch, $0.segment, $0.attempt] } == [[0, 0, 1], [1, 0, 1], [2, 0, 1], [1, 1, 2]])
            #expect(reopened.countedFailures == [JournaledFailure(batch: 1, segment: 1, attempt: 2, reason: "failed: x")])
            #expect(reopened.done == [0])
            #expect(reopened.failed == [2: "bad result"])
            #expect(try reopened.output(batch: 0) == Matrix([[1, 2]]))
            #expect(reopened.ignoredLines == 0)
        }
    }

    @Test func aSecondProcessOnTheSameJobIsToldItIsBusy() throws {
        try Self.withHome { home in
            let record = Self.record()
            try withExtendedLifetime(try JobJournal(creating: record, home: home)) {
                // flock conflicts between open files even within one process, as between two processes.
                let error = try #require(throws: JournalError.self) { try JobJournal(opening: record.jobID, home: home) }
                #expect(error.description.hasPrefix("job \(record.jobID) is busy: another securenets process (pid \(getpid())) is running it"))
            }
            // Released when the holder goes away, as when a process exits, however it exits.
            try withExtendedLifetime(try JobJournal(opening: record.jobID, home: home)) {
                #expect(throws: JournalError.self) { try JobJournal(opening: record.jobID, home: home) }
            }
        }
    }

    @Test func aCutLastLineIsIgnoredAndRemovedSoLaterLinesStayIntact() throws {
        try Self.withHome { home in
            let record = Self.record()
            let events = try Self.journaled(record, home: home) { try $0.recordDispatched(batch: 1, segment: 0, attempt: 1, manifestSHA256: Self.digest) }
            // A crash cut "done 12 <check>\n" to "done 1".
            let handle = try FileHandle(forWritingTo: events)
            handle.seekToEndOfFile()
            handle.write(Data("done 1".utf8))
            try handle.close()
            do {
                let journal = try JobJournal(opening: record.jobID, home: home)
                #expect(journal.done.isEmpty, "the cut line is not applied as batch 1")
                #expect(journal.dispatches.map(\.batch) == [1])
                try journal.recordDone(batch: 2, output: Matrix([[3]]))
            }
            let reopened = try JobJournal(opening: record.jobID, home: home)
            #expect(reopened.done == [2], "the line appended after the cut one is intact")
            #expect(reopened.ignoredLines == 0)
            #expect(try String(contentsOf: events, encoding: .utf8).split(separator: "\n").count == 2)
        }
    }

    @Test func aGarbledLineInTheMiddleIsIgnoredAndCounted() throws {
        try Self.withHome { home in
            let record = Self.record()
            let events = try Self.journaled(record, home: home) { try $0.recordDone(batch: 0, output: Matrix([[1]])) }
            let text = try String(contentsOf: events, encoding: .utf8)
            let garbled = "done 2 " + String(text.dropFirst("done 0 ".count))  // batch changed, check kept
            try Data((garbled + JournalLineTestText.line(.done(batch: 1))).utf8).write(to: events)
            let reopened = try JobJournal(opening: record.jobID, home: home)
            #expect(reopened.done == [1])
            #expect(reopened.ignoredLines == 1)
        }
    }

    @Test func creatingAnExistingJobFails() throws {
        try Self.withHome { home in
            let record = Self.record()
            try withExtendedLifetime(try JobJournal(creating: record, home: home)) {
                #expect(throws: JournalError.self) { try JobJournal(creating: record, home: home) }
            }
            #expect(throws: JournalError.self) { try JobJournal(opening: "no-such-job", home: home) }
        }
    }

    @Test func writeErrorsThrow() throws {
        let full = URL(fileURLWithPath: "/dev/full")
        let fd = open(full.path, O_WRONLY)
        try #require(fd >= 0, "/dev/full is needed for this test")
        defer { close(fd) }
        let error = try #require(throws: JournalError.self) {
            try PrivateFiles.writeAll(JournalLine.encoded(.done(batch: 1)), to: fd, url: full)
        }
        #expect(error.description == "cannot write /dev/full: No space left on device")
    }
}

enum JournalLineTestText {
    static func line(_ event: JournalEvent) -> String { String(decoding: JournalLine.encoded(event), as: UTF8.self) }
}
