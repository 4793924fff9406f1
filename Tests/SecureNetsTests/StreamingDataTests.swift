import Foundation
import Testing
@testable import SecureNets

/// Reading inputs and writing outputs a batch at a time gives exactly what the whole-file readers and
/// writers give: the same rows, the same bytes, the same errors naming the same element or line.
@Suite struct StreamingDataTests {
    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("streaming-\(UUID().uuidString.prefix(8))-\(name)")
    }

    /// A 7 × 3 matrix with distinct values.
    static let matrix = Matrix(rows: 7, columns: 3, elements: (0..<21).map { Float($0) * 0.25 - 2 })

    /// `.npy` bytes of `matrix` in Fortran order or as big-endian float64, written by hand from the format.
    static func npy(_ matrix: Matrix, fortran: Bool, float64BigEndian: Bool) -> Data {
        let descr = float64BigEndian ? ">f8" : "<f4"
        var dictionary = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(matrix.rows), \(matrix.columns)), }"
        dictionary += String(repeating: " ", count: (64 - (10 + dictionary.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(dictionary.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(dictionary.utf8))
        let order = fortran ? (0..<matrix.columns).flatMap { c in (0..<matrix.rows).map { r in (r, c) } }
                            : (0..<matrix.rows).flatMap { r in (0..<matrix.columns).map { c in (r, c) } }
        for (r, c) in order {
            let value = matrix[r, c]
            if float64BigEndian {
                withUnsafeBytes(of: Double(value).bitPattern.bigEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func npyFilesReadByRowsInEveryLayout(_ layout: (fortran: Bool, float64: Bool)) throws {
        let url = Self.temporary("in.npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.npy(Self.matrix, fortran: layout.fortran, float64BigEndian: layout.float64).write(to: url)
        let file = try NPYRowFile(url: url)
        #expect(file.rows == 7 && file.columns == 3)
        let whole = try DataFile.readMatrix(at: url)
        #expect(whole == Self.matrix)
        for range in [0..<7, 0..<1, 2..<5, 6..<7, 3..<3] {
            #expect(try file.rows(range) == Self.matrix.selectingRows(range), "rows \(range)")
        }
    }

    @Test(arguments: [false, true])
    func aNonFiniteValueIsNamedByItsElement(_ fortran: Bool) throws {
        var bad = Self.matrix
        bad[5, 1] = .nan
        let url = Self.temporary("nan.npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.npy(bad, fortran: fortran, float64BigEndian: false).write(to: url)
        #expect { try NPYRowFile(url: url) } throws: { "\($0)".contains("element [5, 1]") }
    }

    @Test func aTruncatedOrPaddedFileIsRefused() throws {
        let url = Self.temporary("short.npy")
        defer { try? FileManager.default.removeItem(at: url) }
        let good = Self.npy(Self.matrix, fortran: false, float64BigEndian: false)
        for bytes in [good.dropLast(4), good + Data([0, 0, 0, 0])] {
            try Data(bytes).write(to: url)
            #expect { try NPYRowFile(url: url) } throws: { ($0 as? DataFileError)?.code == .sizeMismatch }
        }
    }

    static let csvTexts = [
        "1,2,3\n4,5,6\n7,8,9\n",
        "\u{FEFF}a,b,c\r\n1,2,3\r\n\r\n4, 5 ,6\r\n",
        "x,y\r1,2\r3,4\r",
        "\n\n1.5,-2\n\n3e2,4\n",
        "f0,f1\n0.1,0.2\n0.3,0.4",
        ",f0,f1\n1,2,3\n4,5,6\n",
    ]

    @Test(arguments: csvTexts)
    func csvStreamsLikeTheWholeFileReader(_ text: String) throws {
        let url = Self.temporary("in.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        let whole = try DataFile.readMatrix(at: url)
        for block in [1, 2, 3, 5, 1 << 20] {
            for rowsPerRead in [1, 2, 100] {
                let stream = try CSVRowStream(url: url, blockBytes: block)
                var parts: [Matrix] = []
                while let part = try stream.next(maxRows: rowsPerRead) { parts.append(part) }
                #expect(Matrix.stacking(parts, columns: whole.columns) == whole, "block \(block), \(rowsPerRead) rows a read")
            }
        }
    }

    static let badCSVTexts = ["1,2\n3\n", "1,2\n3,x\n", "a,1\n", "", "h1,h2\n", "1,2\n3,inf\n"]

    @Test(arguments: badCSVTexts)
    func csvErrorsAreTheWholeFileReadersErrors(_ text: String) throws {
        let url = Self.temporary("bad.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        var expected = ""
        do { _ = try DataFile.readMatrix(at: url) } catch { expected = "\(error)" }
        #expect(!expected.isEmpty)
        for block in [1, 4, 1 << 20] {
            var got = ""
            do {
                let stream = try CSVRowStream(url: url, blockBytes: block)
                while try stream.next(maxRows: 1) != nil {}
            } catch { got = "\(error)" }
            #expect(got == expected, "block \(block)")
        }
    }

    @Test func csvConvertsToAnNPYFileOfTheSameRows() throws {
        let csv = Self.temporary("in.csv"), npy = Self.temporary("in.npy")
        defer { for url in [csv, npy] { try? FileManager.default.removeItem(at: url) } }
        try DataFile.write(Self.matrix, to: csv)
        let shape = try CSVRowStream.convert(csv, toNPY: npy, rowsPerBlock: 2)
        #expect(shape == (7, 3))
        #expect(try DataFile.readMatrix(at: npy) == Self.matrix)
        #expect(try NPYRowFile(url: npy).rows(1..<6) == Self.matrix.selectingRows(1..<6))
    }

    @Test(arguments: ["out.npy", "out.csv"])
    func sinksWriteWhatTheWholeFileWriterWrites(_ name: String) throws {
        let streamed = Self.temporary(name), whole = Self.temporary(name)
        defer { for url in [streamed, whole] { try? FileManager.default.removeItem(at: url) } }
        try DataFile.write(Self.matrix, to: whole)
        let sink = try DataFile.rowSink(at: streamed, rows: 7, columns: 3)
        // A .npy sink takes batches in any order; CSV in order.
        let batches = name.hasSuffix(".npy") ? [4..<7, 0..<2, 2..<4] : [0..<2, 2..<4, 4..<7]
        for range in batches { try sink.write(Self.matrix.selectingRows(range), atRow: range.lowerBound) }
        #expect(!FileManager.default.fileExists(atPath: streamed.path), "nothing at the final path before finish")
        try sink.finish()
        #expect(try Data(contentsOf: streamed) == (try Data(contentsOf: whole)))

        let labels = [3, -1, 0, 9, 9, 2, 1]
        let labelStreamed = Self.temporary("labels-" + name), labelWhole = Self.temporary("labels-whole-" + name)
        defer { for url in [labelStreamed, labelWhole] { try? FileManager.default.removeItem(at: url) } }
        try DataFile.writeLabels(labels, to: labelWhole)
        let labelSink = try DataFile.labelSink(at: labelStreamed, count: 7)
        for range in [0..<3, 3..<7] {
            try labelSink.write(Matrix(rows: range.count, columns: 1, elements: labels[range].map(Float.init)), atRow: range.lowerBound)
        }
        try labelSink.finish()
        #expect(try Data(contentsOf: labelStreamed) == (try Data(contentsOf: labelWhole)))
    }
}
