import Testing
@testable import SecureNets

/// How things are named on the wire: SHA-256 in lowercase hex, of a tensor's frame bytes, of a raw public key.
@Suite struct DigestTests {
    @Test func sha256KnownAnswers() {
        // FIPS 180-2 test vectors.
        #expect(Digest.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Tensor digest = SHA-256 of rows u32 LE ‖ columns u32 LE ‖ float32 LE elements, row-major.
    @Test func tensorDigestIsTheHashOfItsFrameBytes() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<20 {
            let m = RandomModels.spreadMatrix(rows: rng.int(0...5), columns: rng.int(0...5), using: &rng)
            #expect(Digest.tensor(m) == Digest.sha256Hex(ReferenceMath.tensorBytes(m)))
        }
        // The shape is part of the digest: same elements, different shape.
        let flat = Matrix(rows: 1, columns: 6, elements: [1, 2, 3, 4, 5, 6])
        let square = Matrix(rows: 2, columns: 3, elements: [1, 2, 3, 4, 5, 6])
        #expect(Digest.tensor(flat) != Digest.tensor(square))
        // 01000000 02000000 0000803f 00000040, hashed with Python's hashlib.
        #expect(Digest.tensor(Matrix([[1, 2]])) == "bdd66379605d2ac066bcdb6c660770fb7544d5bd50cf9d3f08919691972310de")
    }

    @Test func fingerprintIsTheHashOfTheRawPublicKey() {
        let identity = SampleJobs.identity(seed: 1)
        let raw = [UInt8](identity.privateKey.publicKey.rawRepresentation)
        #expect(raw.count == 32)
        #expect(identity.publicKey.fingerprint == Digest.sha256Hex(raw))
        #expect(Digest.isHex(identity.publicKey.fingerprint))
    }

    @Test func hexValidation() {
        #expect(Digest.isHex(String(repeating: "0a", count: 32)))
        #expect(!Digest.isHex(String(repeating: "0A", count: 32)))
        #expect(!Digest.isHex(String(repeating: "0a", count: 31)))
        #expect(!Digest.isHex(String(repeating: "g", count: 64)))
    }
}
