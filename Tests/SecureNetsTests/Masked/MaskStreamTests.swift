import Foundation
import Testing
@testable import SecureNets

/// The mask PRG against the test vector of `scripts/masked/prg_test_vector.py`, an independent Python
/// implementation of the specification (OpenSSL's AES through the `cryptography` package).
@Suite struct MaskStreamTests {
    struct Vector: Decodable {
        let seed_name: String
        let seed_hex: String
        let row: Int
        let columns: Int
        let values: [UInt32]
    }

    struct VectorFile: Decodable {
        let modulus: UInt32
        let vectors: [Vector]
    }

    static func vectors() throws -> VectorFile {
        try JSONDecoder().decode(VectorFile.self, from: Fixture.data("masked-prg-vector.json"))
    }

    static func seed(hex: String) throws -> MaskSeed {
        let characters = Array(hex)
        let bytes = stride(from: 0, to: characters.count, by: 2).compactMap { UInt8(String(characters[$0...$0 + 1]), radix: 16) }
        return try MaskSeed(bytes: bytes)
    }

    @Test func rowsMatchTheIndependentImplementation() throws {
        let file = try Self.vectors()
        #expect(file.modulus == PrimeField.modulus)
        #expect(file.vectors.count == 15)
        for vector in file.vectors {
            let stream = MaskStream(seed: try Self.seed(hex: vector.seed_hex))
            #expect(stream.row(vector.row, count: vector.columns) == vector.values, "\(vector.seed_name) row \(vector.row)")
            // A shorter row is a prefix: a row's values do not depend on the row's length.
            #expect(stream.row(vector.row, count: 7) == Array(vector.values.prefix(7)), "\(vector.seed_name) row \(vector.row)")
        }
    }

    @Test func matrixRowsAreTheStreamRows() throws {
        let file = try Self.vectors()
        let counting = try #require(file.vectors.first { $0.seed_name == "counting" && $0.row == 0 })
        let stream = MaskStream(seed: try Self.seed(hex: counting.seed_hex))
        // Enough rows that the expansion runs in parallel.
        let mask = stream.matrix(rows: 3000, columns: 50)
        #expect(Array(mask.elements[0..<40]) == counting.values)
        for row in [1, 2, 1000, 2999] { #expect(Array(mask.elements[(row * 50)..<(row * 50 + 50)]) == stream.row(row, count: 50)) }
        let other = file.vectors.filter { $0.seed_name == "counting" && [1, 2, 1000].contains($0.row) }
        for vector in other { #expect(Array(mask.elements[(vector.row * 50)..<(vector.row * 50 + 40)]) == vector.values) }
    }

    /// The C keystream (AES instructions) and swift-crypto's AES-GCM give the same rows: rows whose
    /// 64-bit index has both halves set, lengths around the 16-block step of the VAES loop and the
    /// 8-block step of the AES-NI loop, and tails of 1 to 3 words.
    @Test(.enabled(if: MaskStream.hardwareAES, "this CPU has no AES instructions: only the portable path runs"))
    func hardwareAndPortableKeystreamsAgree() throws {
        var rng = SplitMix64(seed: 31)
        for _ in 0..<4 {
            let seed = try MaskSeed(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let hardware = MaskStream(seed: seed, hardware: true), portable = MaskStream(seed: seed, hardware: false)
            for row in [0, 1, 5, 1 << 33 | 7, Int(UInt32.max) + 2] {
                for count in [1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 127, 1000, 4099] {
                    #expect(hardware.row(row, count: count) == portable.row(row, count: count), "row \(row), \(count) words")
                }
            }
        }
    }

    /// Rejection cannot be reached by searching seeds (one word in 2³¹ is rejected), so the sampler
    /// runs on chosen words: p and p | 2³¹ are skipped and the row continues with the next word.
    @Test func rejectedWordsAreSkipped() {
        let words: [UInt32] = [5, 0x7FFF_FFFF, 0x8000_0007, 0xFFFF_FFFF, 0x7FFF_FFFE, 9]
        let bytes = words.flatMap { word in (0..<4).map { UInt8((word >> (8 * $0)) & 0xFF) } }
        var out = [UInt32](repeating: 0, count: 4)
        let accepted = bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { MaskStream.acceptCandidates(from: raw, into: $0.baseAddress!, count: 4) }
        }
        #expect(accepted == 4)
        #expect(out == [5, 7, 0x7FFF_FFFE, 9])
        var short = [UInt32](repeating: 0, count: 8)
        let partial = bytes.withUnsafeBytes { raw in
            short.withUnsafeMutableBufferPointer { MaskStream.acceptCandidates(from: raw, into: $0.baseAddress!, count: 8) }
        }
        #expect(partial == 4)  // the words ran out: the caller asks for a longer prefix
    }

    @Test func seedsAreThirtyTwoBytesAndNeverPrinted() throws {
        #expect(throws: MaskedModeError.seedLength(31)) { try MaskSeed(bytes: [UInt8](repeating: 1, count: 31)) }
        let seed = MaskSeed.random()
        #expect(seed.bytes.count == 32)
        #expect(seed != MaskSeed.random())
        #expect("\(seed)" == "MaskSeed(32 bytes, redacted)")
    }
}

extension MaskStreamTests {
    /// docs/MASKED.md prints the test vector for client authors: it must be the fixture's, and its
    /// first keystream block must give the first values (low 31 bits of each little-endian word).
    @Test func documentedTestVectorIsTheFixture() throws {
        let document = try String(contentsOf: ProtocolExample.repositoryRoot.appendingPathComponent("docs/MASKED.md"), encoding: .utf8)
        let counting = try Self.vectors().vectors.filter { $0.seed_name == "counting" }
        for row in [0, 1] {
            let line = try #require(document.split(separator: "\n").first { $0.hasPrefix("- row \(row): ") }, "row \(row) line")
            let values = line.dropFirst("- row \(row): ".count).split(separator: ",").compactMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
            let expected = try #require(counting.first { $0.row == row })
            #expect(values.count == 8 && values == Array(expected.values.prefix(8)), "row \(row)")
        }
        let match = try #require(document.firstMatch(of: try Regex("first keystream block of row 0 is\\s+`([0-9a-f]{32})`")))
        let block = try #require(match.output[1].substring)
        let bytes = stride(from: 0, to: 32, by: 2).map { UInt8(block.dropFirst($0).prefix(2), radix: 16)! }
        let words = (0..<4).map { w in (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[4 * w + $1]) << (8 * $1) } }
        #expect(words.map { $0 & PrimeField.modulus } == Array(counting[0].values.prefix(4)))
    }
}
