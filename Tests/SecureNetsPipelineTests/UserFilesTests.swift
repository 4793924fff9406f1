import Foundation
import Logging
import SecureNets
import SecureNetsMessaging
import Testing

/// The user's files are safe (issue 13, part 4), through the real `securenets` binary.
@Suite("The user's files are safe", .serialized)
struct UserFilesTests {
    @Test func outputsThatWouldOverwriteAnInputAreRefusedBeforeAnythingStarts() throws {
        let cluster = try PipelineCluster(name: "paths", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let dir = cluster.home
        let input = dir.appendingPathComponent("inputs.npy")
        try FileManager.default.copyItem(at: RepositoryPaths.sampleInputs, to: input)
        let before = try Data(contentsOf: input)
        let alias = dir.appendingPathComponent("alias.npy")
        try FileManager.default.createSymbolicLink(at: alias, withDestinationURL: input)
        let out = dir.appendingPathComponent("out.npy").path
        let cases: [(String, [String], String)] = [
            ("--output is --input", ["--output", input.path], "--output and --input are the same file (\(input.path))"),
            ("--output is --input through ..", ["--output", dir.path + "/logs/../inputs.npy"], "--output and --input are the same file (\(input.path))"),
            ("--labels is --input through a symlink", ["--output", out, "--labels", alias.path], "--labels and --input are the same file (\(input.path))"),
            ("--labels is --output", ["--output", out, "--labels", dir.path + "/./out.npy"], "--labels and --output are the same file (\(out))"),
        ]
        for command in ["submit", "infer"] {
            for (what, arguments, expected) in cases {
                let timeout = command == "submit" ? ["--timeout", "5"] : []
                let result = try cluster.securenets([command, "--model", RepositoryPaths.sampleModel.path, "--input", input.path]
                                                    + timeout + arguments, timeout: 60)
                #expect(result.status != 0, "\(command), \(what): should fail")
                #expect(result.stderr.contains(expected), "\(command), \(what): \(result.stderr)")
            }
        }
        #expect(try Data(contentsOf: input) == before, "the input is untouched")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing was written")
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "no job was started: \(jobs)")
        let admin = try AMQPConnection(url: cluster.amqpURL, connectionName: "inspect", logger: Logger(label: "test"))
        defer { admin.close() }
        #expect(try admin.declareQueuePassive(SecureNetsTopology.jobsQueue).messageCount == 0)
    }

    @Test func csvHeaderRuleAndStrictSinceThroughTheBinary() throws {
        let cluster = try PipelineCluster(name: "csvsince", workers: 0)
        defer { cluster.shutdown() }
        let dir = cluster.home
        let rows = try Reference.inputs.selectingRows(0..<3)
        let lines = (0..<rows.rows).map { r in rows.row(r).map { $0.description }.joined(separator: ",") }
        // A file without a header: its first row is data, not eaten.
        let headerless = dir.appendingPathComponent("headerless.csv")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: headerless)
        let outputs = dir.appendingPathComponent("probs.npy")
        let infer = try cluster.securenets(["infer", "--model", RepositoryPaths.sampleModel.path, "--input", headerless.path,
                                            "--output", outputs.path], timeout: 60)
        #expect(infer.status == 0, "\(infer.stderr)")
        let inferred = try DataFile.readMatrix(at: outputs)
        #expect(inferred.rows == 3, "all three rows inferred")
        #expect(Reference.maxDifference(inferred, try Reference.network.forward(rows)) <= Reference.probabilityTolerance)

        // A first line that mixes a label and numbers is refused naming line 1 and the cell.
        let mixed = dir.appendingPathComponent("mixed.csv")
        let labelled = "id," + lines[0].split(separator: ",").dropFirst().joined(separator: ",")
        try Data("\(labelled)\n\(lines[1])\n".utf8).write(to: mixed)
        let refused = try cluster.securenets(["infer", "--model", RepositoryPaths.sampleModel.path, "--input", mixed.path,
                                              "--output", outputs.path], timeout: 60)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\(mixed.path), line 1: cell 1 is 'id', not a number, but cell 2 is the number"), "\(refused.stderr)")

        // --since: exact ISO 8601 or a message saying what is wrong.
        let good = try cluster.securenets(["audit", "list", "--since", "2026-12-04", "--job", "no-such-job"], timeout: 60)
        #expect(good.status == 0, "\(good.stderr)")
        for (since, problem) in [("2026-12-04T10:00:00", "the time has no zone"), ("2026-12-4", "the day must be 2 digits"),
                                 ("2026-11-31", "day 31 does not exist in 2026-11")] {
            let bad = try cluster.securenets(["audit", "list", "--since", since], timeout: 60)
            #expect(bad.status != 0, "--since \(since)")
            #expect(bad.stderr.contains("'\(since)' is not an ISO 8601 date or time: \(problem)"), "\(bad.stderr)")
            #expect(bad.stderr.contains("accepted are e.g. 2026-12-04, 2026-12-04T10:00:00Z"), "\(bad.stderr)")
        }
    }

    @Test func collectWhileSubmitRunsTheJobIsToldItIsBusy() throws {
        let cluster = try PipelineCluster(name: "busy", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(batchSize: 120) }
        try cluster.waitUntil("every batch published") { cluster.publishedSegmentCount() == 3 }
        let job = try #require(submission.jobIDFromJournal(home: cluster.home))
        let collect = try cluster.securenets(["collect", job, "--timeout", "5"], timeout: 60)
        #expect(collect.status != 0)
        #expect(collect.stderr.contains("job \(job) is busy: another securenets process (pid "), "\(collect.stderr)")
        // The running submit was not disturbed: it finishes once a worker joins.
        try cluster.startWorker(id: "w1")
        let finished = try submission.value(timeout: 240)
        #expect(finished.status == 0, "\(finished.stderr)\n\(cluster.diagnostics())")
        #expect(try DataFile.readLabels(at: finished.labels) == (try Reference.plaintext()).rowArgmax())
        #expect(!finished.stdout.contains("unverified"), "\(finished.stdout)")
    }

    @Test func unverifiedRowsAreLabelledMinusOneAndNamedInTheSummary() throws {
        // One attempt per batch: a tampered batch is finally failed, not retried.
        let cluster = try PipelineCluster(name: "unlabelled", workers: 0)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let batches = 6
        let evil = MaliciousWorker(id: "evil-worker", url: cluster.url(role: "worker"), tampering: .zeros, maxJobs: 2)
        let submission = Thread.detachNewThreadWithResult { try cluster.submit(batchSize: 60, extra: ["--max-attempts", "1"]) }
        try cluster.waitUntil("all batches published") { cluster.publishedSegmentCount() == batches }
        try evil.run()
        try cluster.startWorker(id: "honest-worker")
        let job = try submission.value(timeout: 240)
        #expect(job.status == 2, "submit exits 2 when a batch is not verified: \(job.stderr)\n\(cluster.diagnostics())")
        let failed = Set(evil.tamperedBatches)
        try #require(failed.count == 2)

        let labels = try DataFile.readLabels(at: job.labels)
        let plaintext = try Reference.plaintext().rowArgmax()
        // DataFile refuses NaN inputs, so the outputs are read raw: the producer writes `<f4` C order.
        let bytes = try Data(contentsOf: job.outputs)
        let dataStart = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
        let outputs = Matrix(rows: plaintext.count, columns: 10, elements: stride(from: dataStart, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        })
        for row in 0..<plaintext.count {
            if failed.contains(row / 60) {
                #expect(labels[row] == -1, "row \(row) of a failed batch")
                #expect(outputs.row(row).allSatisfy { $0.isNaN }, "row \(row) is NaN")
            } else {
                #expect(labels[row] == plaintext[row], "row \(row)")
            }
        }
        let named = failed.sorted().map { "\($0) (rows \($0 * 60)..<\($0 * 60 + 60))" }.joined(separator: ", ")
        #expect(job.stdout.contains("unverified: 120 of 360 rows (NaN in the outputs, label -1 in the labels), in batches \(named)"),
                "\(job.stdout)")
    }
}
