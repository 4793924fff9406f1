import Foundation
import SecureNets

/// Runs onnxruntime on the same weights and batches through `scripts/bench/onnxruntime_bench.py`.
///
/// Python is only a yardstick: nothing in SecureNets depends on it. The script stays alive for one
/// network, so the model is written, built and loaded once and every batch size reuses the session.
/// Any failure (no python3, no onnxruntime, a crash) becomes a reason to print in the "absent" column.
final class ONNXRuntimeBridge {
    /// Why onnxruntime could not be measured.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// Package versions the script reported (onnxruntime, onnx, numpy).
    private(set) var versions: [String: String] = [:]
    private let process: Process
    private let requests: FileHandle
    private var replies: LineReader
    private let directory: URL

    /// Writes `network` to a temporary directory and starts the script on it.
    init(network: Network, threads: Int, python: String, script: String) throws {
        guard FileManager.default.fileExists(atPath: script) else {
            throw Unavailable(description: "script not found at \(script)")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("securenets-bench-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var layers: [[String: String]] = []
        for (index, layer) in network.layers.enumerated() {
            try NPYFile.write(layer.weights, to: directory.appendingPathComponent("w\(index).npy"))
            try NPYFile.write(layer.bias, shape: [layer.bias.count], to: directory.appendingPathComponent("b\(index).npy"))
            layers.append(["weights": "w\(index).npy", "bias": "b\(index).npy", "activation": layer.activation.name])
        }
        try JSONSerialization.data(withJSONObject: ["layers": layers])
            .write(to: directory.appendingPathComponent("model.json"))

        let stdin = Pipe(), stdout = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, directory.path, "--threads", String(threads)]
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        requests = stdin.fileHandleForWriting
        replies = LineReader(stdout.fileHandleForReading)
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw Unavailable(description: "cannot start \(python): \(error)")
        }
        let ready: [String: Any]
        do {
            ready = try replies.nextObject()
        } catch {
            stop()
            throw Unavailable(description: "\(python) not found or the script died before it was ready")
        }
        guard ready["ready"] as? Bool == true else {
            stop()
            throw Unavailable(description: ready["error"] as? String ?? "script failed to start")
        }
        versions = ready.compactMapValues { $0 as? String }
    }

    /// Hands a batch to the script, which runs it once and compares with the plaintext output.
    /// Returns max |onnxruntime − plaintext| / max |plaintext|: evidence both ran the same network.
    func load(batch input: Matrix, expected: Matrix) throws -> Double {
        let name = "batch\(input.rows)"
        let inputURL = directory.appendingPathComponent("\(name)-x.npy")
        let expectedURL = directory.appendingPathComponent("\(name)-y.npy")
        try NPYFile.write(input, to: inputURL)
        try NPYFile.write(expected, to: expectedURL)
        let answer = try request(["op": "load", "name": name, "input": inputURL.path, "expected": expectedURL.path])
        guard let difference = answer["max_abs_diff"] as? Double, let scale = answer["max_abs_expected"] as? Double else {
            throw Unavailable(description: "unexpected reply to load: \(answer)")
        }
        return scale > 0 ? difference / scale : difference
    }

    /// `repeats` timings of `InferenceSession.run` on a loaded batch, after `warmup` untimed runs.
    func time(rows: Int, warmup: Int, repeats: Int) throws -> [Double] {
        let answer = try request(["op": "time", "name": "batch\(rows)", "warmup": warmup, "repeats": repeats])
        guard let seconds = answer["seconds"] as? [Double], seconds.count == repeats else {
            throw Unavailable(description: "unexpected reply to time: \(answer)")
        }
        return seconds
    }

    /// Ends the script (end of its input) and removes the temporary files.
    func stop() {
        try? requests.close()
        if process.isRunning { process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    private func request(_ object: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: object)
        line.append(0x0A)
        do {
            try requests.write(contentsOf: line)
        } catch {
            throw Unavailable(description: "the script exited: \(error)")
        }
        let answer = try replies.nextObject()
        if let error = answer["error"] as? String { throw Unavailable(description: error) }
        return answer
    }
}

/// Splits a pipe's bytes into JSON objects, one per line.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line as a JSON object; throws at end of output (the script exited).
    mutating func nextObject() throws -> [String: Any] {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw ONNXRuntimeBridge.Unavailable(description: "the script printed something that is not a JSON object")
                }
                return object
            }
            // `availableData` returns as soon as anything arrives; `read(upToCount:)` waits for the count.
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                throw ONNXRuntimeBridge.Unavailable(description: "the script exited")
            }
            buffer.append(chunk)
        }
    }
}
