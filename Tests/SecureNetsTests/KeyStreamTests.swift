import Testing
@testable import SecureNets

/// The key stream is the producer's only record of a batch's keys (the journal keeps the seed), so its
/// output must never change between versions: a job resumed by `collect` after an upgrade re-derives
/// the keys it was blinded with.
@Suite struct KeyStreamTests {
    /// Expected words from Python's standard library, independently of this code:
    /// `hmac.new(bytes(range(32)), b"batch 3 segment 0" + b"\0" + struct.pack(">Q", counter), sha256)`,
    /// each digest read as four little-endian UInt64. Six words cross the first block boundary.
    @Test func matchesHMACSHA256ComputedElsewhere() {
        var stream = KeyStream(seed: Array(0..<32), label: "batch 3 segment 0")
        let words = (0..<6).map { _ in stream.next() }
        #expect(words == [0x215B_7A66_B160_F84F, 0xB74C_94B5_7714_379D, 0x50A3_3E74_EF9F_2A1C,
                          0xD552_C1F6_C1AF_D984, 0x7178_D783_4609_B6D2, 0x117C_F226_6EF0_9399])
    }

    @Test func labelsAndSeedsGiveIndependentStreams() {
        let seed = Array(repeating: UInt8(7), count: 32)
        var a = KeyStream(seed: seed, label: "batch 0 segment 0"), again = KeyStream(seed: seed, label: "batch 0 segment 0")
        var b = KeyStream(seed: seed, label: "batch 1 segment 0")
        var c = KeyStream(seed: Array(repeating: UInt8(8), count: 32), label: "batch 0 segment 0")
        let first = (0..<9).map { _ in a.next() }
        #expect(first == (0..<9).map { _ in again.next() })
        #expect(first != (0..<9).map { _ in b.next() })
        #expect(first != (0..<9).map { _ in c.next() })
    }
}

/// The producer's key-stream overloads of `BlindingSession` (specialized for speed) derive exactly the
/// keys of the generic path, which `collect` and older journals rely on.
@Suite struct KeyStreamOverloadTests {
    /// A generator that only forwards, so the call goes through the generic functions.
    private struct Forwarding: RandomNumberGenerator {
        var stream: KeyStream
        mutating func next() -> UInt64 { stream.next() }
    }

    @Test func keyStreamOverloadsEqualTheGenericPath() throws {
        let network = try Network(layers: [DenseLayer(weights: Matrix(rows: 3, columns: 4, elements: (0..<12).map(Float.init)),
                                                      bias: [0, 1, 2, 3], activation: .relu),
                                           DenseLayer(weights: Matrix(rows: 4, columns: 2, elements: (0..<8).map(Float.init)),
                                                      bias: [1, 1], activation: .identity)])
        let session = BlindingSession(network: network, mode: .chained)
        let seed = Array(repeating: UInt8(3), count: 32)
        let x = Matrix(rows: 5, columns: 3, elements: (0..<15).map { Float($0) - 7 })

        var specialized = KeyStream(seed: seed, label: "batch 0 segment 0")
        var generic = Forwarding(stream: KeyStream(seed: seed, label: "batch 0 segment 0"))
        let a = try session.blindInput(x, segment: 0, using: &specialized)
        let b = try session.blindInput(x, segment: 0, using: &generic)
        #expect(a.input == b.input && a.batchKey == b.batchKey)

        var again = KeyStream(seed: seed, label: "batch 0 segment 0")
        #expect(session.batchKey(rows: 5, segment: 0, using: &again) == a.batchKey)
    }
}
