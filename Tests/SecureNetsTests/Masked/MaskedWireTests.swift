import Foundation
import SecureNets
import Testing

/// Masked-mode frames: what each pool receives and returns round-trips byte for byte, the data pool's
/// job never carries the seed, and malformed frames are refused with the field named.
@Suite struct MaskedWireTests {
    static let signer = SigningIdentity()

    static func network() throws -> Network {
        try Network(layers: [
            DenseLayer(weights: Matrix(rows: 5, columns: 4, elements: (0..<20).map { Float($0 % 7) / 7 - 0.4 }),
                       bias: [0.1, 0, -0.1, 0.2], activation: .relu),
            DenseLayer(weights: Matrix(rows: 4, columns: 3, elements: (0..<12).map { Float($0 % 5) / 5 - 0.3 }),
                       bias: [0, 0, 0], activation: .identity),
        ])
    }

    static func jobs() throws -> (model: MaskedModel, data: MaskedJobMessage, mask: MaskedJobMessage, request: LayerMasking.Request) {
        let model = try MaskedModel(network: try network())
        let rows = Matrix(rows: 3, columns: 5, elements: (0..<15).map { Float($0) / 7 - 1 })
        let request = try LayerMasking.mask(rows, for: model.layers[0])
        func manifest(_ pool: MaskedPool) -> MaskedJobManifest {
            MaskedJobManifest(pool: pool, jobID: "j", batch: 2, layer: 0, attempt: 1, layerCount: 2, bitWidths: model.layers[0].bitWidths,
                              modelDigest: String(repeating: "a", count: 64), modelPublishedAtMs: 5, rows: 3, inputColumns: 5,
                              outputColumns: 4, inputSHA256: pool == .data ? ResidueCoding.digest(request.maskedInput) : nil,
                              maskSeed: pool == .mask ? request.seed : nil, replyQueue: "securenets.reply.j",
                              producerKey: signer.publicKey.fingerprint, issuedAtMs: 6)
        }
        return (model, try MaskedJobMessage(manifest: manifest(.data), maskedInput: request.maskedInput, signedBy: signer),
                try MaskedJobMessage(manifest: manifest(.mask), maskedInput: nil, signedBy: signer), request)
    }

    @Test func jobsAndResultsRoundTrip() throws {
        let (model, data, mask, request) = try Self.jobs()
        for job in [data, mask] {
            let bytes = job.encode()
            let decoded = try MaskedJobMessage.decode(bytes)
            #expect(decoded == job && decoded.encode() == bytes)
            let product = try decoded.poolInput.compute(weights: model.layers[0].weights)
            let result = MaskedResultMessage(job: decoded, product: product, workerID: "w", computeMs: 3)
            let back = try MaskedResultMessage.decode(result.encode())
            #expect(back == result && back.defect == nil && back.product == product)
        }
        #expect(try MaskedJobMessage.decode(mask.encode()).poolInput == .seed(request.seed, rows: 3))
    }

    @Test func theSeedTravelsOnlyToTheMaskPool() throws {
        let (_, data, mask, request) = try Self.jobs()
        let seedHex = request.seed.bytes.map { String(format: "%02x", $0) }.joined()
        #expect(!String(decoding: data.encode(), as: UTF8.self).contains(seedHex))
        #expect(String(decoding: mask.encode(), as: UTF8.self).contains(seedHex))
        #expect(!"\(mask.manifest)".contains(seedHex), "a manifest's description never shows the seed")
    }

    @Test func manifestsThatMixThePoolsAreRefused() throws {
        let (_, data, mask, _) = try Self.jobs()
        var dataWithSeed = data.manifest
        dataWithSeed.maskSeed = mask.manifest.maskSeed
        var maskWithoutSeed = mask.manifest
        maskWithoutSeed.maskSeed = nil
        var wrongModulus = data.manifest
        wrongModulus.modulus = 65_521
        for manifest in [dataWithSeed, maskWithoutSeed, wrongModulus] {
            #expect(throws: ManifestError.self) { try manifest.validate() }
        }
    }

    @Test func aMaskJobNamingAHugeMaskIsRefusedBeforeExpansion() throws {
        var manifest = try Self.jobs().mask.manifest
        manifest.rows = 1 << 20
        manifest.inputColumns = 1 << 12
        let job = try MaskedJobMessage(manifest: manifest, maskedInput: nil, signedBy: Self.signer)
        #expect(throws: FrameError.self) { try MaskedJobMessage.decode(job.encode()) }
    }

    @Test func theQuantizedModelRoundTripsAndBadWeightsAreRefused() throws {
        let model = try MaskedModel(network: try Self.network()).quantized
        let bytes = MaskedModelCodec.encode(model)
        #expect(try PublishedModel.decode(bytes) == .masked(model))
        // A weight that is not an integer, or exceeds its declared width, is refused naming the layer.
        var frame = try FrameCodec.decode(bytes)
        frame.tensors[1].elements[0] = 0.5
        #expect { try PublishedModel.decode(FrameCodec.encode(frame)) } throws: { "\($0)".contains("layer 1") }
        frame = try FrameCodec.decode(bytes)
        frame.tensors[0].elements[0] = Float(1 << 20)
        #expect { try PublishedModel.decode(FrameCodec.encode(frame)) } throws: { "\($0)".contains("layer 0") }
    }

    @Test func aPassedMaskedReplyMustCarryTheProductItNames() throws {
        let verifier = SigningIdentity()
        let product = try ResidueMatrix(rows: 1, columns: 3, elements: [1, 2, 3])
        var manifest = ReplyManifest(jobID: "j", batch: 0, segment: 1, attempt: 1, verdict: .passed, reason: "",
                                     manifestSHA256: String(repeating: "b", count: 64), outputSHA256: ResidueCoding.digest(product),
                                     auditRowID: 1, verifierID: "v", verifierKey: verifier.publicKey.fingerprint,
                                     maxResidualRatio: 0, rounds: 2, precision: .exact, pool: .mask)
        let reply = try ReplyMessage(manifest: manifest, output: nil, product: product, signedBy: verifier)
        #expect(try ReplyMessage.decode(reply.encode(), trusting: [verifier.publicKey]) == reply)
        manifest.outputSHA256 = String(repeating: "c", count: 64)
        let lying = try ReplyMessage(manifest: manifest, output: nil, product: product, signedBy: verifier)
        #expect(throws: ManifestError.self) { try ReplyMessage.decode(lying.encode(), trusting: [verifier.publicKey]) }
    }

    @Test func residueBlobsAreBoundedAndChecked() throws {
        // Declares 2^20 × 2^20 elements: refused before allocating.
        var huge: [UInt8] = []
        huge += withUnsafeBytes(of: UInt32(1 << 20).littleEndian, Array.init)
        huge += withUnsafeBytes(of: UInt32(1 << 20).littleEndian, Array.init)
        #expect(throws: FrameError.self) { try ResidueCoding.decode(huge) }
        // An element equal to p is not a residue.
        var notResidue: [UInt8] = []
        for word in [UInt32(1), 1, PrimeField.modulus] { notResidue += withUnsafeBytes(of: word.littleEndian, Array.init) }
        #expect(throws: MaskedModeError.self) { try ResidueCoding.decode(notResidue) }
        // Truncated data names the matrix.
        #expect { try ResidueCoding.decode(Array(notResidue.dropLast())) } throws: { "\($0)".contains("residue matrix 0") }
    }
}
