import Testing
@testable import SecureNets

/// The binary envelope of docs/PROTOCOL.md §Frame: exact layout, lossless round trips, and a typed
/// `FrameError` — never a crash or an unbounded allocation — for every malformed input.
@Suite struct FrameCodecTests {
    static let kinds: [FrameKind] = [.job, .result, .reply, .model, .modelChunk]

    /// Tensors with awkward values: NaN payloads, ±0, ±Inf, subnormals, and empty shapes.
    private static func randomTensor(using rng: inout SplitMix64) -> Matrix {
        let rows = rng.int(0...5), columns = rng.int(0...6)
        let specials: [Float] = [.nan, Float(bitPattern: 0x7FC0_1234), -0.0, .infinity, -.infinity,
                                 .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1]
        return Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in
            rng.int(0...4) == 0 ? specials[rng.int(0...(specials.count - 1))] : rng.spread(-30...30)
        })
    }

    private static func expectBitIdentical(_ a: [Matrix], _ b: [Matrix], _ context: String) {
        #expect(a.map(\.rows) == b.map(\.rows) && a.map(\.columns) == b.map(\.columns), "\(context): shapes")
        for (x, y) in zip(a, b) {
            #expect(x.elements.map(\.bitPattern) == y.elements.map(\.bitPattern), "\(context): tensor bits differ")
        }
    }

    @Test(arguments: kinds)
    func roundTripsEveryKind(kind: FrameKind) throws {
        var rng = SplitMix64(seed: UInt64(kind.rawValue))
        for iteration in 0..<25 {
            let frame = Frame(kind: kind,
                              manifest: rng.bytes(rng.int(0...300)),
                              signature: rng.coin() ? rng.bytes(64) : [],
                              metadata: rng.bytes(rng.int(0...100)),
                              tensors: (0..<rng.int(0...4)).map { _ in Self.randomTensor(using: &rng) },
                              blob: rng.bytes(rng.int(0...500)))
            let bytes = FrameCodec.encode(frame)
            let decoded = try FrameCodec.decode(bytes)
            let context = "\(kind) #\(iteration)"
            #expect(decoded.kind == kind && decoded.manifest == frame.manifest && decoded.signature == frame.signature
                    && decoded.metadata == frame.metadata && decoded.blob == frame.blob, "\(context)")
            Self.expectBitIdentical(decoded.tensors, frame.tensors, context)
            #expect(FrameCodec.encode(decoded) == bytes, "\(context): re-encoding changed the bytes")
        }
    }

    /// The encoder writes exactly the layout the document describes, byte for byte.
    @Test(arguments: kinds)
    func layoutMatchesTheDocument(kind: FrameKind) {
        let tensors = [Matrix([[1, -2, 0.5], [3, 0, -0.25]]), Matrix(rows: 0, columns: 4)]
        let signature = [UInt8](repeating: 0xAB, count: 64)
        let frame = Frame(kind: kind, manifest: Array(#"{"a":1}"#.utf8), signature: signature,
                          metadata: Array(#"{"attempt":2}"#.utf8), tensors: tensors, blob: [9, 8, 7])
        var expected: [UInt8] = [0x53, 0x4E, 0x45, 0x54, 0x01, kind.rawValue, 0x00, 0x00]
        expected += [7, 0, 0, 0] + Array(#"{"a":1}"#.utf8)
        expected += [64, 0] + signature
        expected += [13, 0, 0, 0] + Array(#"{"attempt":2}"#.utf8)
        expected += [2, 0, 0, 0]
        expected += [2, 0, 0, 0, 3, 0, 0, 0]
        expected += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F]
        expected += [0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xBE]
        expected += [0, 0, 0, 0, 4, 0, 0, 0]
        expected += [3, 0, 0, 0, 9, 8, 7]
        #expect(FrameCodec.encode(frame) == expected)
        let firstTensorOffset: Int = 8 + 4 + 7 + 2 + 64 + 4 + 13 + 4
        let firstTensor = Array(expected[firstTensorOffset..<(firstTensorOffset + 32)])
        #expect(FrameCodec.encodeTensor(tensors[0]) == firstTensor)
    }

    @Test func kindNumbersAreStable() {
        #expect(Self.kinds.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(Frame.magic == [0x53, 0x4E, 0x45, 0x54] && Frame.currentVersion == 1)
    }

    private static var smallFrame: [UInt8] {
        FrameCodec.encode(Frame(kind: .result, manifest: Array(#"{"job_id":"j"}"#.utf8),
                                signature: [UInt8](repeating: 7, count: 64), metadata: Array(#"{"attempt":1}"#.utf8),
                                tensors: [Matrix([[1, 2], [3, 4]]), Matrix([[5, 6, 7]])], blob: [1, 2, 3]))
    }

    @Test func everyTruncationIsATypedError() {
        let bytes = Self.smallFrame
        for length in 0..<bytes.count {
            do {
                _ = try FrameCodec.decode(Array(bytes.prefix(length)))
                Issue.record("a frame cut to \(length) of \(bytes.count) bytes decoded")
            } catch let error as FrameError {
                guard case .truncated = error else {
                    Issue.record("cut to \(length) bytes: expected .truncated, got \(error)")
                    continue
                }
            } catch {
                Issue.record("cut to \(length) bytes: untyped error \(error)")
            }
        }
    }

    /// Every single-bit flip either still decodes (a payload bit) or throws a `FrameError`; none crashes.
    @Test func singleBitFlipsDecodeOrThrowTypedErrors() {
        let bytes = Self.smallFrame
        var decoded = 0, rejected = 0
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            do {
                _ = try FrameCodec.decode(flipped)
                decoded += 1
            } catch is FrameError {
                rejected += 1
            } catch {
                Issue.record("bit \(bit): untyped error \(error)")
            }
        }
        // Flips in the magic, version, kind and length fields must be rejected; payload flips decode.
        #expect(rejected >= 32 + 8 + 3 && decoded > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 314)
        for _ in 0..<2000 {
            var bytes = rng.bytes(rng.int(0...64))
            if rng.coin() { bytes = Array("SNET".utf8) + [1, UInt8(rng.int(1...5))] + bytes }
            do { _ = try FrameCodec.decode(bytes) } catch is FrameError {} catch { Issue.record("untyped error \(error)") }
        }
    }

    /// Declared sizes larger than the bytes present are refused before anything of that size is allocated;
    /// sizes above the limits are refused whatever follows.
    @Test func lyingLengthsAreRefused() {
        func expectError(_ bytes: [UInt8], limits: FrameLimits = .default, _ matches: (FrameError) -> Bool,
                         _ what: String) {
            do {
                _ = try FrameCodec.decode(bytes, limits: limits)
                Issue.record("\(what): decoded")
            } catch let error as FrameError {
                #expect(matches(error), "\(what): got \(error)")
            } catch {
                Issue.record("\(what): untyped error \(error)")
            }
        }
        func truncated(_ field: String) -> (FrameError) -> Bool {
            { if case .truncated(let f, _, _) = $0 { f.hasPrefix(field) } else { false } }
        }
        func tooLarge(_ field: String) -> (FrameError) -> Bool {
            { if case .fieldTooLarge(let f, _, _) = $0 { f.hasPrefix(field) } else { false } }
        }
        // A tensor header claiming 1000×1000 followed by two floats.
        var lying = WireBytes.frame(tensorCount: 1)
        lying.removeLast(4)
        lying += [0xE8, 0x03, 0, 0, 0xE8, 0x03, 0, 0] + [0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F] + [0, 0, 0, 0]
        expectError(lying, truncated("tensor 0 data"), "1000×1000 tensor with 8 bytes")
        // 16384×16384 = 2²⁸ elements is within the limit (1 GiB): it must fail on the missing bytes, at once.
        var atLimit = WireBytes.frame(tensorCount: 1)
        atLimit.removeLast(4)
        atLimit += [0, 0x40, 0, 0, 0, 0x40, 0, 0]
        let clock = ContinuousClock()
        let elapsed = clock.measure { expectError(atLimit, truncated("tensor 0 data"), "2²⁸-element tensor with no data") }
        #expect(elapsed < .seconds(1), "refusing a lying 1 GiB tensor took \(elapsed)")
        // Above the element limit, and a product that does not fit in 32 bits.
        var huge = WireBytes.frame(tensorCount: 1)
        huge.removeLast(4)
        huge += [0, 0, 1, 0, 0, 0, 1, 0]
        expectError(huge, tooLarge("tensor 0"), "65536×65536 tensor")
        var maximal = WireBytes.frame(tensorCount: 1)
        maximal.removeLast(4)
        maximal += [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        expectError(maximal, tooLarge("tensor 0"), "(2³²−1)² tensor")

        expectError(WireBytes.frame(manifestLength: 0xFFFF_FFFF), tooLarge("manifest"), "4 GiB manifest")
        expectError(WireBytes.frame(manifestLength: 1 << 20 + 1), tooLarge("manifest"), "manifest over 1 MiB")
        expectError(WireBytes.frame(manifestLength: 1000), truncated("manifest"), "manifest longer than the frame")
        expectError(WireBytes.frame(metadataLength: 64 << 10 + 1), tooLarge("metadata"), "metadata over 64 KiB")
        expectError(WireBytes.frame(metadataLength: 50), truncated("metadata"), "metadata longer than the frame")
        expectError(WireBytes.frame(tensorCount: 1025), tooLarge("tensor count"), "1025 tensors")
        expectError(WireBytes.frame(tensorCount: 3), truncated("tensor 0"), "3 tensors, none present")
        expectError(WireBytes.frame(blobLength: 128 << 20 + 1), tooLarge("blob"), "blob over 128 MiB")
        expectError(WireBytes.frame(blobLength: 10), truncated("blob"), "blob longer than the frame")
        for length: UInt16 in [1, 32, 63, 65, 0xFFFF] {
            expectError(WireBytes.frame(signature: [UInt8](repeating: 1, count: Int(length)), signatureLength: length),
                        { $0 == .badSignatureLength(Int(length)) }, "signature of \(length) bytes")
        }
        // Tighter limits are honoured the same way.
        let small = FrameLimits(maxFrameBytes: 100, maxManifestBytes: 4, maxMetadataBytes: 4, maxTensors: 1,
                                maxTensorElements: 15, maxBlobBytes: 2)
        expectError(WireBytes.frame(tensors: [Matrix(rows: 4, columns: 4)]), limits: small, tooLarge("tensor 0"), "16 > 15 elements")
        expectError(WireBytes.frame(manifest: Array("12345".utf8)), limits: small, tooLarge("manifest"), "5-byte manifest")
        expectError(WireBytes.frame(metadata: Array("12345".utf8)), limits: small, tooLarge("metadata"), "5-byte metadata")
        expectError(WireBytes.frame(tensors: [Matrix(rows: 1, columns: 1), Matrix(rows: 1, columns: 1)]), limits: small,
                    tooLarge("tensor count"), "2 tensors")
        expectError(WireBytes.frame(blob: [1, 2, 3]), limits: small, tooLarge("blob"), "3-byte blob")
        expectError(WireBytes.frame(blob: [UInt8](repeating: 0, count: 2)) + [UInt8](repeating: 0, count: 100), limits: small,
                    { if case .tooLarge = $0 { true } else { false } }, "frame over 100 bytes")
    }

    @Test func badMagicVersionKindAndTrailingBytes() {
        #expect(throws: FrameError.badMagic) { try FrameCodec.decode(WireBytes.frame(magic: Array("SNEU".utf8))) }
        #expect(throws: FrameError.badMagic) { try FrameCodec.decode(WireBytes.frame(magic: Array("snet".utf8))) }
        for version: UInt8 in [0, 2, 255] {
            #expect(throws: FrameError.unsupportedVersion(version)) { try FrameCodec.decode(WireBytes.frame(version: version)) }
        }
        for kind: UInt8 in [0, 8, 255] {
            #expect(throws: FrameError.unknownKind(kind)) { try FrameCodec.decode(WireBytes.frame(kind: kind)) }
        }
        for extra in [1, 7] {
            #expect(throws: FrameError.trailingBytes(extra)) {
                try FrameCodec.decode(WireBytes.frame() + [UInt8](repeating: 0, count: extra))
            }
        }
        #expect(throws: Never.self) { try FrameCodec.decode(WireBytes.frame()) }
    }

    /// Flags are reserved: writers send 0, readers ignore them (documented so that a later version can use them).
    @Test func flagsAreIgnoredByReaders() throws {
        #expect(try FrameCodec.decode(WireBytes.frame(flags: 0x8001)).manifest == Array("{}".utf8))
    }

    @Test func errorsDescribeTheField() {
        do {
            _ = try FrameCodec.decode(WireBytes.frame(metadataLength: 50))
        } catch {
            #expect("\(error)".contains("metadata") && "\(error)".contains("50"), "\(error)")
        }
    }
}
