import Foundation

/// A CSV file of numbers read in order, a block of rows at a time, with exactly `CSVReader`'s rules
/// (the same `CSVLineParser`): memory is one block of the file and one batch of rows.
///
/// The file is read in blocks cut after a line break, never inside one (a `\r` at a block's end
/// waits for the next block, which may start with its `\n`), so lines split the same way as when the
/// whole text is split at once.
public final class CSVRowStream {
    public let url: URL
    private let handle: FileHandle
    private var parser: CSVLineParser<Float>
    private var pending: [UInt8] = []
    private var lines: [Substring] = []
    private var lineIndex = 0
    private var lineNumber = 0
    private var atEnd = false
    private var started = false
    /// Bytes read per block.
    let blockBytes: Int

    /// `blockBytes`: how much of the file is read at a time (1 MiB; tests use a few bytes to put
    /// every kind of line break across a block boundary).
    public init(url: URL, blockBytes: Int = 1 << 20) throws {
        precondition(blockBytes > 0, "blocks need at least one byte")
        self.url = url
        self.blockBytes = blockBytes
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw DataFileError(.unreadable, file: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        parser = CSVLineParser(file: url.path, valueKind: "a number") { Float($0) }
    }

    deinit { try? handle.close() }

    /// Cells per row, once the first data row was read.
    public var columns: Int { parser.columns }

    /// Up to `maxRows` rows, or nil after the last. Throws `DataFileError` naming the line.
    public func next(maxRows: Int) throws -> Matrix? {
        var elements: [Float] = []
        var rows = 0
        while rows < maxRows, let (line, number) = try nextLine() {
            guard let row = try parser.consume(line, lineNumber: number) else { continue }
            if let column = row.firstIndex(where: { !$0.isFinite }) {
                throw DataFileError(.nonFiniteValue, file: url.path, line: number,
                                    problem: "cell \(column + 1) is NaN, infinite or beyond the float32 range")
            }
            elements.append(contentsOf: row)
            rows += 1
        }
        if rows == 0 {
            if !started { try parser.finish() }
            return nil
        }
        started = true
        return Matrix(rows: rows, columns: parser.columns, elements: elements)
    }

    private func nextLine() throws -> (Substring, Int)? {
        while lineIndex == lines.count {
            guard try readBlock() else { return nil }
        }
        defer { lineIndex += 1 }
        lineNumber += 1
        return (lines[lineIndex], lineNumber)
    }

    /// Splits the next block into lines; false at the end of the file.
    private func readBlock() throws -> Bool {
        guard !atEnd else { return false }
        let data: Data
        do { data = try handle.read(upToCount: blockBytes) ?? Data() } catch {
            throw DataFileError(.unreadable, file: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        pending.append(contentsOf: data)
        atEnd = data.isEmpty
        var cut = pending.count
        if !atEnd {
            // Cut after the last complete line break: a `\n`, or a `\r` known not to start `\r\n`
            // (a `\r` that ends the block waits for the next block).
            let breakEnd = pending.indices.reversed().first { index in
                pending[index] == 0x0A || (pending[index] == 0x0D && index + 1 < pending.count && pending[index + 1] != 0x0A)
            }
            guard let breakEnd else { return true }
            cut = breakEnd + 1
        }
        let complete = Array(pending[..<cut])
        pending.removeFirst(cut)
        guard var text = String(validating: complete, as: UTF8.self) else {
            throw DataFileError(.unsupportedFormat, file: url.path, problem: "the file is not UTF-8 text")
        }
        if lineNumber == 0, lines.isEmpty, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var split = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        // The piece after the block's last break is the start of the next block's first line.
        if !atEnd { split.removeLast() }
        lines = split
        lineIndex = 0
        return true
    }

    /// Converts a CSV file to a float32 `.npy` file at `target` (owner-only), streaming: the producer
    /// reads a CSV input this way once, then by batches from the `.npy` (`NPYRowFile`).
    /// Returns the shape. Throws `DataFileError` as `CSVReader` does (naming the CSV line).
    public static func convert(_ url: URL, toNPY target: URL, rowsPerBlock: Int = 4096) throws -> (rows: Int, columns: Int) {
        let stream = try CSVRowStream(url: url)
        // Room for any shape, so the header can be rewritten in place once the row count is known.
        let reserved = 128
        guard FileManager.default.createFile(atPath: target.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let output = FileHandle(forWritingAtPath: target.path) else {
            throw NPYRowWriter.failure("cannot create", target)
        }
        defer { try? output.close() }
        var rows = 0
        do {
            try output.write(contentsOf: Data(repeating: 0x20, count: reserved))
            while let block = try stream.next(maxRows: rowsPerBlock) {
                var bytes = Data()
                PackedNumbers.appendLittleEndian(block.elements, to: &bytes)
                try output.write(contentsOf: bytes)
                rows += block.rows
            }
            try output.seek(toOffset: 0)
            try output.write(contentsOf: NPYHeader.encoded(descr: "<f4", shape: [rows, stream.columns], minimumLength: reserved))
            try output.synchronize()
        } catch let error as DataFileError {
            throw error
        } catch {
            throw NPYRowWriter.failure("cannot write", target)
        }
        return (rows, stream.columns)
    }
}
