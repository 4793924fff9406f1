import CModP
import Crypto
import Foundation

/// The PRG that expands a `MaskSeed` into a mask R (rows × columns, uniform in Z_p): the producer
/// and the mask pool run it on the same seed and get the same R, bit for bit.
///
/// Specification (docs/MASKED.md, with a test vector that an independent Python implementation made):
/// - Row i of R (i = 0, 1, …) has its own keystream: AES-256 in counter mode with the seed as key and
///   the initial counter block `00 00 00 00 ‖ BE64(i) ‖ 00 00 00 02` (16 bytes), whose last 32 bits
///   count up by one per 16-byte block. This is exactly what AES-256-GCM with the 12-byte nonce
///   `00 00 00 00 ‖ BE64(i)` encrypts zero bytes to, so any AES-CTR or AES-GCM library reproduces it.
/// - The keystream is read as consecutive little-endian 32-bit words; each word's low 31 bits are a
///   candidate, and the candidate 2³¹ − 1 (= p) is rejected (`PrimeField.acceptedCandidate`).
/// - Row i's entries are its first `columns` accepted candidates, in order.
///
/// One keystream per row lets rows be expanded in parallel and a row be found without the ones
/// before it; a row of n words needs n/4 + 1 blocks, far below GCM's 2³² − 2 (any tensor within
/// `TensorLimits`).
///
/// Two implementations of the same keystream: on CPUs with the AES instructions, the counter mode
/// itself in C (`sn_modp_keystream_residues`: no GHASH, no buffer per row, the words made candidates
/// in the same pass); elsewhere, and for the rare row with a rejected word, swift-crypto's AES-GCM.
/// `MaskStreamTests` holds both to the independent test vector and to each other.
public struct MaskStream: Sendable {
    private let key: SymmetricKey
    /// The expanded key for the AES instructions; nil without them (or when a test asks for the
    /// portable path).
    private let schedule: sn_aes256_key?

    public init(seed: MaskSeed) {
        self.init(seed: seed, hardware: Self.hardwareAES)
    }

    /// `hardware: false` forces the swift-crypto path (tests compare the two).
    init(seed: MaskSeed, hardware: Bool) {
        key = SymmetricKey(data: seed.bytes)
        schedule = hardware ? seed.bytes.withUnsafeBufferPointer { bytes in
            var expanded = sn_aes256_key()
            sn_aes256_expand(bytes.baseAddress!, &expanded)
            return expanded
        } : nil
    }

    /// Whether this CPU runs the C keystream (x86-64 with AES-NI; VAES is used when present too).
    static let hardwareAES = sn_aes256_hardware() != 0

    /// Row `index` of the mask: `count` residues.
    public func row(_ index: Int, count: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { fillRow(index, into: base, count: count) }
            initialized = count
        }
    }

    /// The mask R, rows × columns, expanded in parallel by rows.
    public func matrix(rows: Int, columns: Int) -> ResidueMatrix {
        ResidueMatrix.filled(rows: rows, columns: columns) { base in
            fillRows(0..<rows, columns: columns, into: base)
        }
    }

    /// Writes rows `range` of R into `target` (row r at `target + r * columns`), in parallel.
    func fillRows(_ range: Range<Int>, columns: Int, into target: UnsafeMutablePointer<UInt32>) {
        ParallelRows.forEach(rows: range.count, columns: columns) { part in
            for r in part { fillRow(range.lowerBound + r, into: target + r * columns, count: columns) }
        }
    }

    /// Writes the first `count` accepted candidates of row `index`'s keystream to `target`.
    ///
    /// Asks for `count` words and, in the rare case (2⁻³¹ per word) that some were rejected, for a
    /// longer prefix of the same keystream: the result is the same as reading one endless stream.
    func fillRow(_ index: Int, into target: UnsafeMutablePointer<UInt32>, count: Int) {
        if let schedule, withUnsafePointer(to: schedule, { sn_modp_keystream_residues($0, UInt64(index), target, count) }) == 0 {
            return
        }
        var words = count
        while true {
            let accepted = keystream(row: index, words: words).withUnsafeBytes { bytes in
                Self.acceptCandidates(from: bytes, into: target, count: count)
            }
            if accepted == count { return }
            words += count - accepted + 4
        }
    }

    /// Reads little-endian 32-bit words from `bytes` and writes accepted candidates to `target` until
    /// `count` are written or the words run out; returns how many were written.
    static func acceptCandidates(from bytes: UnsafeRawBufferPointer, into target: UnsafeMutablePointer<UInt32>,
                                 count: Int) -> Int {
        var written = 0
        for offset in stride(from: 0, to: bytes.count - 3, by: 4) where written < count {
            let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            if let value = PrimeField.acceptedCandidate(word) {
                target[written] = value
                written += 1
            }
        }
        return written
    }

    /// The first `words` 32-bit words of row `row`'s keystream, as bytes (swift-crypto's AES-GCM).
    func keystream(row: Int, words: Int) -> Data {
        var nonce = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: UInt64(row).bigEndian) { nonce.replaceSubrange(4..<12, with: $0) }
        let zeros = [UInt8](repeating: 0, count: words * 4)
        // Cannot fail: a 32-byte key and a 12-byte nonce are what AES-GCM takes.
        return try! AES.GCM.seal(zeros, using: key, nonce: AES.GCM.Nonce(data: nonce)).ciphertext
    }
}
