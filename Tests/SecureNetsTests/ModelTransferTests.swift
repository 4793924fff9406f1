import Testing
@testable import SecureNets

/// How a blinded model travels once per key epoch: serialized as a frame (`ModelCodec`), named by its SHA-256,
/// cut into chunk frames and reassembled from a stream in any order (`ModelChunks`, `ModelAssembler`).
@Suite struct ModelTransferTests {
    static func randomModel(seed: UInt64) -> BlindedModel {
        var rng = SplitMix64(seed: seed)
        let widths = RandomModels.widths(depth: 1...5, width: 1...30, using: &rng)
        let activations = (1..<widths.count).map { _ in RandomModels.anyActivation(using: &rng) }
        let network = RandomModels.network(widths: widths, activations: activations, using: &rng)
        let plan = SegmentPlan(network: network, mode: .chained)
        return BlindedModel(network: network, keys: ModelKeys.generate(for: network, plan: plan, using: &rng), plan: plan)
    }

    @Test(arguments: 0..<12)
    func modelCodecRoundTrips(seed: UInt64) throws {
        let model = Self.randomModel(seed: UInt64(seed))
        let bytes = ModelCodec.encode(model)
        let decoded = try ModelCodec.decode(bytes)
        #expect(decoded.layers.map(\.activation) == model.layers.map(\.activation))
        #expect(decoded.layers.map { $0.weights.elements.map(\.bitPattern) } == model.layers.map { $0.weights.elements.map(\.bitPattern) })
        #expect(decoded.layers.map(\.weights.rows) == model.layers.map(\.weights.rows))
        #expect(ModelCodec.encode(decoded) == bytes, "the digest names one byte string")
        let frame = try FrameCodec.decode(bytes)
        #expect(frame.kind == .model && frame.signature.isEmpty && frame.metadata.isEmpty && frame.blob.isEmpty)
    }

    @Test func modelManifestIsTheDocumentedOne() throws {
        let model = try BlindedModel(layers: [
            BlindedLayer(weights: Matrix(rows: 3, columns: 4), activation: .leakyRelu(alpha: 0.25)),
            BlindedLayer(weights: Matrix(rows: 4, columns: 2), activation: .sigmoid),
        ])
        let frame = try FrameCodec.decode(ModelCodec.encode(model))
        #expect(String(decoding: frame.manifest, as: UTF8.self)
                == #"{"layers":[{"activation":"leaky_relu","alpha":0.25},{"activation":"sigmoid"}],"protocol":1}"#)
    }

    /// PRelu's slopes travel as one 1 × columns tensor per prelu layer, after the weights, in a
    /// protocol-2 manifest; a model without PRelu stays protocol 1, byte for byte as before.
    @Test func preluSlopesTravelAsTensorsInProtocolTwo() throws {
        let slopes: [Float] = [0.25, 1, -0.5, 0.125]
        let model = try BlindedModel(layers: [
            BlindedLayer(weights: Matrix(rows: 3, columns: 4, elements: (0..<12).map(Float.init)), activation: .prelu(slopes: slopes)),
            BlindedLayer(weights: Matrix(rows: 4, columns: 2, elements: (0..<8).map(Float.init)), activation: .identity),
        ])
        let bytes = ModelCodec.encode(model)
        let frame = try FrameCodec.decode(bytes)
        #expect(String(decoding: frame.manifest, as: UTF8.self)
                == #"{"layers":[{"activation":"prelu"},{"activation":"identity"}],"protocol":2}"#)
        #expect(frame.tensors.count == 3 && frame.tensors[2] == Matrix(rows: 1, columns: 4, elements: slopes))
        #expect(try ModelCodec.decode(bytes) == model)

        let withoutPRelu = try BlindedModel(layers: [model.layers[1]])
        let plain = try FrameCodec.decode(ModelCodec.encode(withoutPRelu))
        #expect(String(decoding: plain.manifest, as: UTF8.self) == #"{"layers":[{"activation":"identity"}],"protocol":1}"#)
    }

    @Test func malformedModelsAreRefused() throws {
        func frame(_ manifest: String, _ tensors: [Matrix]) -> [UInt8] {
            FrameCodec.encode(Frame(kind: .model, manifest: Array(manifest.utf8), tensors: tensors))
        }
        let square = Matrix(rows: 3, columns: 3, elements: [Float](repeating: 1, count: 9))
        let ok = #"{"layers":[{"activation":"relu"}],"protocol":1}"#
        #expect(try ModelCodec.decode(frame(ok, [square])).layers.count == 1)
        let bad: [(String, [UInt8])] = [
            ("two layers, one tensor", frame(#"{"layers":[{"activation":"relu"},{"activation":"relu"}],"protocol":1}"#, [square])),
            ("unknown activation", frame(#"{"layers":[{"activation":"gelu"}],"protocol":1}"#, [square])),
            ("leaky_relu without alpha", frame(#"{"layers":[{"activation":"leaky_relu"}],"protocol":1}"#, [square])),
            ("leaky_relu with NaN alpha", frame(#"{"layers":[{"activation":"leaky_relu","alpha":"NaN"}],"protocol":1}"#, [square])),
            ("1×1 weights", frame(ok, [Matrix([[1]])])),
            ("NaN weight", frame(ok, [Matrix([[1, 2], [Float.nan, 1]])])),
            ("no layers field", frame(#"{"protocol":1}"#, [square])),
            ("job frame", FrameCodec.encode(Frame(kind: .job, manifest: Array(ok.utf8), tensors: [square]))),
            ("model protocol 3", frame(#"{"layers":[{"activation":"relu"}],"protocol":3}"#, [square])),
            ("prelu in protocol 1", frame(#"{"layers":[{"activation":"prelu"}],"protocol":1}"#, [square, Matrix([[1, 2, 1]])])),
            ("prelu without its slopes", frame(#"{"layers":[{"activation":"prelu"}],"protocol":2}"#, [square])),
            ("prelu slopes 1×2 for 3 columns", frame(#"{"layers":[{"activation":"prelu"}],"protocol":2}"#, [square, Matrix([[1, 2]])])),
            ("prelu slopes 3×1", frame(#"{"layers":[{"activation":"prelu"}],"protocol":2}"#, [square, Matrix([[1], [2], [1]])])),
            ("prelu NaN slope", frame(#"{"layers":[{"activation":"prelu"}],"protocol":2}"#, [square, Matrix([[1, .nan, 1]])])),
            ("extra tensor", frame(ok, [square, Matrix([[1, 2, 1]])])),
        ]
        for (what, bytes) in bad {
            #expect(throws: ManifestError.self, "\(what)") { _ = try ModelCodec.decode(bytes) }
        }
        let chain = #"{"layers":[{"activation":"relu"},{"activation":"relu"}],"protocol":1}"#
        #expect(throws: ModelError.self, "consecutive shapes do not chain") {
            _ = try ModelCodec.decode(frame(chain, [square, Matrix(rows: 4, columns: 2)]))
        }
    }

    @Test(arguments: [1, 7, 100, 1000, 4 << 20])
    func chunksReassembleInAnyOrderWithDuplicates(chunkBytes: Int) throws {
        let model = ModelCodec.encode(Self.randomModel(seed: 3))
        let (digest, chunks) = ModelChunks.split(model, chunkBytes: chunkBytes)
        #expect(digest == Digest.sha256Hex(model))
        #expect(chunks.count == (model.count + chunkBytes - 1) / chunkBytes)
        var rng = SplitMix64(seed: UInt64(chunkBytes))
        var frames = try chunks.map { try FrameCodec.decode($0) }
        for frame in frames {
            #expect(frame.kind == .modelChunk && frame.blob.count <= chunkBytes && frame.tensors.isEmpty && frame.signature.isEmpty)
            let manifest = try ManifestCoding.decode(ModelChunkManifest.self, from: frame.manifest, what: "chunk")
            #expect(manifest.modelDigest == digest && manifest.count == chunks.count && manifest.totalBytes == model.count)
        }
        #expect(frames.flatMap(\.blob) == model, "chunks in index order concatenate to the model")
        // Shuffled, with a third of the chunks delivered twice (at-least-once delivery from the stream).
        let duplicates = frames.filter { _ in rng.int(0...2) == 0 }
        frames = (frames + duplicates).shuffled(using: &rng)
        var assembler = ModelAssembler(digest: digest, maxBytes: model.count)
        var seen = Set<Int>(), assembled: [UInt8]?
        for frame in frames {
            let index = try ManifestCoding.decode(ModelChunkManifest.self, from: frame.manifest, what: "chunk").index
            seen.insert(index)
            let result = try assembler.add(frame)
            if seen.count < chunks.count {
                #expect(result == nil, "assembled before every chunk arrived")
            } else if assembled == nil {
                assembled = result
            }
        }
        #expect(assembled == model)
    }

    @Test func chunksOfOtherModelsAndOtherKindsAreIgnored() throws {
        let model = ModelCodec.encode(Self.randomModel(seed: 4))
        let other = ModelCodec.encode(Self.randomModel(seed: 5))
        let (digest, chunks) = ModelChunks.split(model, chunkBytes: 64)
        var assembler = ModelAssembler(digest: digest, maxBytes: 1 << 20)
        for chunk in ModelChunks.split(other, chunkBytes: 64).chunks {
            #expect(try assembler.add(FrameCodec.decode(chunk)) == nil)
        }
        #expect(try assembler.add(Frame(kind: .job, manifest: [])) == nil)
        var result: [UInt8]?
        for chunk in chunks { result = try assembler.add(FrameCodec.decode(chunk)) }
        #expect(result == model)
    }

    @Test func corruptedChunksFailTheDigest() throws {
        let model = ModelCodec.encode(Self.randomModel(seed: 6))
        let (digest, chunks) = ModelChunks.split(model, chunkBytes: 50)
        var frames = try chunks.map { try FrameCodec.decode($0) }
        frames[1].blob[3] ^= 0x01
        var assembler = ModelAssembler(digest: digest, maxBytes: 1 << 20)
        for frame in frames.dropLast() { _ = try assembler.add(frame) }
        #expect(throws: ManifestError.self) { _ = try assembler.add(frames[frames.count - 1]) }
        // A forger who claims our digest for other bytes of the same size fails the same way.
        let forgedBytes = model.map { $0 ^ 0xFF }
        var forger = ModelAssembler(digest: digest, maxBytes: 1 << 20)
        let forged = ModelChunks.split(forgedBytes, chunkBytes: 50).chunks.map { chunk -> Frame in
            var frame = try! FrameCodec.decode(chunk)
            frame.manifest = ManifestCoding.encode(ModelChunkManifest(
                modelDigest: digest, index: try! ManifestCoding.decode(ModelChunkManifest.self, from: frame.manifest, what: "c").index,
                count: chunks.count, totalBytes: model.count))
            return frame
        }
        for frame in forged.dropLast() { #expect(try forger.add(frame) == nil) }
        #expect(throws: ManifestError.self) { _ = try forger.add(forged[forged.count - 1]) }
    }

    @Test func oversizeAndInconsistentChunksAreRefused() throws {
        let model = ModelCodec.encode(Self.randomModel(seed: 7))
        let (digest, chunks) = ModelChunks.split(model, chunkBytes: 100)
        let first = try FrameCodec.decode(chunks[0])
        var small = ModelAssembler(digest: digest, maxBytes: model.count - 1)
        #expect(throws: ManifestError.self, "model larger than the cache allows") { _ = try small.add(first) }

        func chunk(index: Int, count: Int, total: Int, blob: [UInt8]) -> Frame {
            Frame(kind: .modelChunk, manifest: ManifestCoding.encode(
                ModelChunkManifest(modelDigest: digest, index: index, count: count, totalBytes: total)), blob: blob)
        }
        var assembler = ModelAssembler(digest: digest, maxBytes: 1 << 20)
        #expect(throws: ManifestError.self, "index past count") { _ = try assembler.add(chunk(index: 3, count: 3, total: 10, blob: [1])) }
        #expect(throws: ManifestError.self, "negative index") { _ = try assembler.add(chunk(index: -1, count: 3, total: 10, blob: [1])) }
        #expect(throws: ManifestError.self, "zero chunks") { _ = try assembler.add(chunk(index: 0, count: 0, total: 10, blob: [1])) }
        #expect(throws: ManifestError.self, "more chunks than bytes") { _ = try assembler.add(chunk(index: 0, count: 12, total: 10, blob: [1])) }
        #expect(throws: ManifestError.self, "negative size") { _ = try assembler.add(chunk(index: 0, count: 1, total: -1, blob: [])) }
        #expect(throws: ManifestError.self, "blob larger than the model") { _ = try assembler.add(chunk(index: 0, count: 2, total: 10, blob: [UInt8](repeating: 0, count: 11))) }
        #expect(try assembler.add(chunk(index: 0, count: 2, total: 10, blob: [UInt8](repeating: 0, count: 6))) == nil)
        #expect(throws: ManifestError.self, "chunks disagree on the size") { _ = try assembler.add(chunk(index: 1, count: 3, total: 10, blob: [1])) }
        #expect(throws: ManifestError.self, "chunks exceed the declared size") { _ = try assembler.add(chunk(index: 1, count: 2, total: 10, blob: [UInt8](repeating: 0, count: 5))) }
        #expect(throws: ManifestError.self, "malformed chunk manifest") {
            _ = try assembler.add(Frame(kind: .modelChunk, manifest: Array(#"{"model_digest":"x"}"#.utf8)))
        }
    }

    @Test func emptyModelIsOneEmptyChunk() throws {
        let (digest, chunks) = ModelChunks.split([], chunkBytes: 10)
        #expect(chunks.count == 1 && digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var assembler = ModelAssembler(digest: digest, maxBytes: 0)
        #expect(try assembler.add(FrameCodec.decode(chunks[0])) == [])
    }
}
