import Foundation
import Testing
@testable import SecureNets

@Suite struct DataFileTests {
    // MARK: Reading the fixtures

    @Test func npyAndCSVFixturesHoldTheSameInputs() throws {
        let npy = try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))
        let csv = try DataFile.readMatrix(at: Fixture.url("digits-inputs.csv"))
        #expect(npy.rows == 100 && npy.columns == 64)
        #expect(npy.elements.allSatisfy { (0...1).contains($0) })
        #expect(csv == npy)
    }

    @Test func float64FortranOrderReadsAsFloat32COrder() throws {
        let fortran = try DataFile.readMatrix(at: Fixture.url("digits-inputs-f64-fortran.npy"))
        // Pixel values are k/16, exact in both widths, so the conversion must be exact too.
        #expect(fortran == (try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))))
    }

    @Test func labelsFixtureIsInt64() throws {
        let labels = try DataFile.readLabels(at: Fixture.url("digits-labels.npy"))
        #expect(labels.count == 100)
        #expect(labels.allSatisfy { (0..<10).contains($0) })
    }

    /// Big-endian and Fortran-order files as other tools write them, checked against [[1, 2, 3], [4, 5, 6]].
    @Test(arguments: [("<f4", false), (">f4", false), (">f8", false), (">f4", true), ("<f8", true)])
    func byteOrdersAndMemoryOrdersRead(descr: String, fortranOrder: Bool) throws {
        let stored: [Double] = fortranOrder ? [1, 4, 2, 5, 3, 6] : [1, 2, 3, 4, 5, 6]
        let width = descr.hasSuffix("4") ? 4 : 8
        var payload = NPYBytes.bigEndian(stored, width: width)
        if descr.hasPrefix("<") {  // reverse each number's bytes to make it little-endian
            payload = Data(stride(from: 0, to: payload.count, by: width).flatMap { payload[$0..<($0 + width)].reversed() })
        }
        let bytes = NPYBytes.file(header: NPYBytes.header(descr: descr, fortranOrder: fortranOrder, shape: "(2, 3)"),
                                  payload: payload)
        let matrix = try readMatrix(bytes, named: "orders.npy")
        #expect(matrix == Matrix([[1, 2, 3], [4, 5, 6]]))
    }

    @Test(arguments: [(2, 0), (3, 0)] as [(UInt8, UInt8)])
    func laterFormatVersionsRead(major: UInt8, minor: UInt8) throws {
        let bytes = NPYBytes.file(header: NPYBytes.header(descr: ">f4", shape: "(1, 2)"), version: (major, minor),
                                  payload: NPYBytes.bigEndian([0.5, -2], width: 4))
        #expect(try readMatrix(bytes, named: "v\(major).npy") == Matrix([[0.5, -2]]))
    }

    // MARK: Round trips

    @Test(arguments: ["npy", "csv"])
    func matrixRoundTripIsExact(fileExtension: String) throws {
        var generator = SeededGenerator(seed: 7)
        let values = (0..<(37 * 5)).map { index -> Float in
            let magnitude = Float.random(in: -1...1, using: &generator)
            return magnitude * [1e-30, 1e-3, 1, 1e3, 3e38][index % 5]
        }
        let matrix = Matrix(rows: 37, columns: 5, elements: values)
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("matrix.\(fileExtension)")
            try DataFile.write(matrix, to: url)
            #expect(try DataFile.readMatrix(at: url) == matrix)
        }
    }

    @Test(arguments: ["npy", "csv"])
    func labelsRoundTripIsExact(fileExtension: String) throws {
        let labels = [0, 9, 3, -1, 1 << 40, 7]
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("labels.\(fileExtension)")
            try DataFile.writeLabels(labels, to: url)
            #expect(try DataFile.readLabels(at: url) == labels)
        }
    }

    @Test func writtenNPYIsAlignedLittleEndianFloat32() throws {
        let encoded = NPYWriter.encoded(Matrix([[1, 2]]))
        let header = try encoded.withUnsafeBytes { try NPYHeader.parse($0, file: "aligned.npy") }
        #expect(header.dataOffset % 64 == 0)
        #expect(header.descr == "<f4" && header.shape == [1, 2] && !header.isFortranOrder)
        #expect(encoded.count == header.dataOffset + 8)
    }

    // MARK: Malformed files

    @Test(arguments: MalformedNPY.all)
    func malformedNPYIsRefusedNamingTheFile(_ malformed: MalformedNPY) throws {
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("bad.npy")
            try malformed.bytes().write(to: url)
            let error = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: url) }
            #expect(error.code == malformed.code, "\(error)")
            #expect(error.file == url.path)
            #expect(error.description.hasPrefix("\(url.path): "))
            #expect(error.description.contains(malformed.mentions), "\(error)")
        }
    }

    @Test(arguments: MalformedCSV.all)
    func malformedCSVIsRefusedNamingFileAndLine(_ malformed: MalformedCSV) throws {
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("bad.csv")
            try Data(malformed.text.utf8).write(to: url)
            let error = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: url) }
            #expect(error.code == malformed.code, "\(error)")
            #expect(error.line == malformed.line)
            #expect(error.description == malformed.description(file: url.path))
        }
    }

    @Test func csvHeaderBlankLinesAndCRLFAreAccepted() throws {
        let text = "\u{FEFF}a, b\r\n 1, 2.5\r\n\r\n-3,4e-2\n\n"
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("ok.csv")
            try Data(text.utf8).write(to: url)
            #expect(try DataFile.readMatrix(at: url) == Matrix([[1, 2.5], [-3, 0.04]]))
        }
    }

    // MARK: The CSV header rule

    @Test(arguments: [
        ("1,2\n3,4\n", [[1, 2], [3, 4]]),                 // a first row of numbers is data, never a header
        ("a,b\n1,2\n", [[1, 2]]),                          // a clean header
        (",f0\n7,8\n", [[7, 8]]),                          // pandas' index column: an empty cell is not a number
        ("\n\n x , y \n1,2\n", [[1, 2]]),                  // the first non-blank line
        ("nan_count,inf_rate\n1,2\n", [[1, 2]]),           // words that start like special values
    ] as [(String, [[Float]])])
    func csvHeaderRuleNeverEatsADataRow(text: String, rows: [[Float]]) throws {
        #expect(try CSVReader.matrix(from: text, file: "x.csv") == Matrix(rows))
    }

    @Test func csvLabelsHeaderRuleCountsDecimalsAsNumbers() throws {
        #expect(try CSVReader.labels(from: "label\n3\n1\n", file: "l.csv") == [3, 1])
        #expect(try CSVReader.labels(from: "2\n3\n", file: "l.csv") == [2, 3])
        // 0.5 is a number, so it is data, and not an integer: refused rather than taken as a header.
        let error = try #require(throws: DataFileError.self) { try CSVReader.labels(from: "0.5\n1\n", file: "l.csv") }
        #expect(error.description == "l.csv, line 1: cell 1 is '0.5', not an integer")
    }

    // MARK: Lying .npy headers cost nothing

    @Test func aTinyNPYClaimingAHugeShapeIsRefusedFromItsHeader() throws {
        try Fixture.withScratchDirectory { directory in
            // 2²⁸ float32 (1 GiB): within TensorLimits, so only the file size check can refuse it.
            let url = directory.appendingPathComponent("huge.npy")
            try NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(16384, 16384)"), payload: Data(count: 8)).write(to: url)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber).intValue
            #expect(size == 136)
            let error = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: url) }
            #expect(error.code == .sizeMismatch)
            #expect(error.problem == "truncated: shape (16384, 16384) of '<f4' needs 1073741824 data bytes, the file has 8")

            // Beyond TensorLimits: refused as too large, also from the header alone.
            try NPYBytes.file(header: NPYBytes.header(descr: "<f8", shape: "(65536, 65536)"), payload: Data()).write(to: url)
            let tooLarge = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: url) }
            #expect(tooLarge.code == .tooLarge)
            #expect(tooLarge.problem == "shape (65536, 65536) exceeds the limit of 268435456 elements")

            let labels = directory.appendingPathComponent("labels.npy")
            try NPYBytes.file(header: NPYBytes.header(descr: "<i8", shape: "(100000000,)"), payload: Data(count: 8)).write(to: labels)
            let labelError = try #require(throws: DataFileError.self) { try DataFile.readLabels(at: labels) }
            #expect(labelError.problem == "truncated: shape (100000000,) of '<i8' needs 800000000 data bytes, the file has 8")
        }
    }

    @Test func aHeaderLengthBeyondTheBoundIsRefusedBeforeItIsRead() throws {
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent("long-header.npy")
            var bytes = NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(1, 1)"), version: (2, 0), payload: Data(count: 4))
            bytes.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF])
            try bytes.write(to: url)
            let error = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: url) }
            #expect(error.code == .malformedHeader)
            #expect(error.problem == "the header claims 4294967295 bytes; at most 65536 are accepted")
        }
    }

    @Test func fileAndByteReadersAgree() throws {
        let bytes = try Fixture.data("digits-inputs.npy")
        #expect(try DataFile.readMatrix(from: bytes, named: "x.npy") == (try DataFile.readMatrix(at: Fixture.url("digits-inputs.npy"))))
        let labels = try Fixture.data("digits-labels.npy")
        #expect(try DataFile.readLabels(from: labels, named: "l.npy") == (try DataFile.readLabels(at: Fixture.url("digits-labels.npy"))))
    }

    // MARK: Labels of unverified rows

    @Test func unverifiedRowsGetLabelMinusOneNeverAClass() {
        let outputs = Matrix([[0.1, 0.7, 0.2], [.nan, .nan, .nan], [0.5, 0.5, 0], [0.2, .nan, 0.9], [0, 0, 1]])
        #expect(PredictedLabels.labels(of: outputs) == [1, -1, 0, -1, 2])
        #expect(PredictedLabels.unverified == -1)
        #expect(outputs.rowArgmax()[1] == 0, "plain argmax would have called the NaN row class 0")
    }

    @Test func labelsOfTheWrongTypeAreRefused() throws {
        let error = try #require(throws: DataFileError.self) {
            try DataFile.readLabels(at: Fixture.url("digits-inputs.npy"))
        }
        #expect(error.code == .unsupportedElementType)
    }

    @Test func unknownExtensionMissingFileAndUnwritablePath() throws {
        let text = URL(fileURLWithPath: "/tmp/inputs.txt")
        #expect(throws: DataFileError.self) { try DataFile.readMatrix(at: text) }
        #expect(throws: DataFileError.self) { try DataFile.write(Matrix([[1]]), to: text) }

        let missing = URL(fileURLWithPath: "/nonexistent/inputs.npy")
        let readError = try #require(throws: DataFileError.self) { try DataFile.readMatrix(at: missing) }
        #expect(readError.code == .unreadable)
        #expect(readError.description.hasPrefix("/nonexistent/inputs.npy: "))

        let writeError = try #require(throws: DataFileError.self) { try DataFile.writeLabels([1], to: missing) }
        #expect(writeError.code == .unwritable)
    }

    private func readMatrix(_ bytes: Data, named name: String) throws -> Matrix {
        try Fixture.withScratchDirectory { directory in
            let url = directory.appendingPathComponent(name)
            try bytes.write(to: url)
            return try DataFile.readMatrix(at: url)
        }
    }
}

/// A broken `.npy` file, the error code it must give and a phrase its message must contain.
struct MalformedNPY: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let code: DataFileError.Code
    let mentions: String
    let bytes: @Sendable () throws -> Data

    static let all: [MalformedNPY] = [
        MalformedNPY(testDescription: "truncated data", code: .sizeMismatch, mentions: "truncated") {
            try Fixture.data("digits-inputs.npy").dropLast(10)
        },
        MalformedNPY(testDescription: "header shape larger than data", code: .sizeMismatch,
                     mentions: "needs 256000 data bytes, the file has 25600") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(1000, 64)"), payload: Data(count: 25600))
        },
        MalformedNPY(testDescription: "header shape smaller than data", code: .sizeMismatch,
                     mentions: "is the shape wrong?") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(10, 64)"), payload: Data(count: 25600))
        },
        MalformedNPY(testDescription: "bad magic", code: .malformedHeader, mentions: "magic") {
            var data = try Fixture.data("digits-inputs.npy")
            data[data.startIndex + 1] = UInt8(ascii: "X")
            return data
        },
        MalformedNPY(testDescription: "too short", code: .malformedHeader, mentions: "too short") {
            Data([0x93, 0x4E, 0x55])
        },
        MalformedNPY(testDescription: "3-D shape", code: .unsupportedShape, mentions: "(2, 2, 2)") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(2, 2, 2)"), payload: Data(count: 32))
        },
        MalformedNPY(testDescription: "1-D shape", code: .unsupportedShape, mentions: "(8,)") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(8,)"), payload: Data(count: 32))
        },
        MalformedNPY(testDescription: "integer matrix", code: .unsupportedElementType, mentions: "'<i8' is not a float") {
            NPYBytes.file(header: NPYBytes.header(descr: "<i8", shape: "(2, 2)"), payload: Data(count: 32))
        },
        MalformedNPY(testDescription: "float16", code: .unsupportedElementType, mentions: "'<f2' is not supported") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f2", shape: "(2, 2)"), payload: Data(count: 8))
        },
        MalformedNPY(testDescription: "unknown version", code: .malformedHeader, mentions: "version 4.0") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(1, 1)"), version: (4, 0), payload: Data(count: 4))
        },
        MalformedNPY(testDescription: "header length beyond the file", code: .malformedHeader, mentions: "claims") {
            var data = NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(1, 1)"), payload: Data(count: 4))
            data[data.startIndex + 8] = 0xFF
            data[data.startIndex + 9] = 0xFF
            return data
        },
        MalformedNPY(testDescription: "missing key", code: .malformedHeader, mentions: "must have the keys") {
            NPYBytes.file(header: "{'descr': '<f4', 'shape': (1, 1), }", payload: Data(count: 4))
        },
        MalformedNPY(testDescription: "unexpected key", code: .malformedHeader, mentions: "unexpected header key 'x'") {
            NPYBytes.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'x': 1}", payload: Data(count: 4))
        },
        MalformedNPY(testDescription: "not a dictionary", code: .malformedHeader, mentions: "unsupported name 'import'") {
            NPYBytes.file(header: "import os", payload: Data(count: 4))
        },
        MalformedNPY(testDescription: "unterminated string", code: .malformedHeader, mentions: "unterminated string") {
            NPYBytes.file(header: "{'descr", payload: Data())
        },
        MalformedNPY(testDescription: "shape beyond the limit", code: .tooLarge, mentions: "exceeds the limit") {
            NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: "(4294967296, 4294967296)"), payload: Data(count: 4))
        },
        MalformedNPY(testDescription: "NaN value", code: .nonFiniteValue, mentions: "element [0, 1]") {
            NPYBytes.file(header: NPYBytes.header(descr: ">f4", shape: "(1, 2)"), payload: NPYBytes.bigEndian([1, .nan], width: 4))
        },
        MalformedNPY(testDescription: "float64 beyond float32", code: .nonFiniteValue, mentions: "element [0, 0]") {
            NPYBytes.file(header: NPYBytes.header(descr: ">f8", shape: "(1, 1)"), payload: NPYBytes.bigEndian([1e300], width: 8))
        },
    ]
}

/// A broken CSV file and the exact error it must give.
struct MalformedCSV: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let text: String
    let code: DataFileError.Code
    let line: Int?
    let problem: String

    func description(file: String) -> String {
        line.map { "\(file), line \($0): \(problem)" } ?? "\(file): \(problem)"
    }

    static let all: [MalformedCSV] = [
        MalformedCSV(testDescription: "non-numeric cell", text: "a,b\n1,2\n3,abc\n", code: .notANumber, line: 3,
                     problem: "cell 2 is 'abc', not a number"),
        MalformedCSV(testDescription: "empty cell", text: "1,2\n3,\n", code: .notANumber, line: 2,
                     problem: "cell 2 is empty, not a number"),
        MalformedCSV(testDescription: "ragged rows", text: "1,2,3\n4,5\n", code: .raggedRows, line: 2,
                     problem: "2 cells, but line 1 has 3"),
        MalformedCSV(testDescription: "header wider than data", text: "a,b,c\n1,2\n", code: .raggedRows, line: 2,
                     problem: "2 cells, but the header has 3"),
        MalformedCSV(testDescription: "empty file", text: "", code: .empty, line: nil, problem: "the file is empty"),
        MalformedCSV(testDescription: "blank lines only", text: "\n  \n\n", code: .empty, line: nil,
                     problem: "the file is empty"),
        MalformedCSV(testDescription: "header only", text: "a,b\n", code: .empty, line: nil,
                     problem: "the file has a header line but no data"),
        MalformedCSV(testDescription: "first line mixes text and numbers", text: "id,2.5\n1,2\n", code: .notANumber, line: 1,
                     problem: "cell 1 is 'id', not a number, but cell 2 is the number '2.5': the first line is a header only when none of its cells is a number, and data only when all are"),
        MalformedCSV(testDescription: "first data row with an empty cell", text: "\n1,,3\n4,5,6\n", code: .notANumber, line: 2,
                     problem: "cell 2 is empty, not a number, but cell 1 is the number '1': the first line is a header only when none of its cells is a number, and data only when all are"),
        MalformedCSV(testDescription: "text in a later row", text: "1,2\n3,x4\n", code: .notANumber, line: 2,
                     problem: "cell 2 is 'x4', not a number"),
        MalformedCSV(testDescription: "NaN", text: "1,2\nnan,4\n", code: .nonFiniteValue, line: 2,
                     problem: "cell 1 is NaN, infinite or beyond the float32 range"),
    ]
}
