import SecureNets
import Testing

/// The verifier's exact check of masked-mode results: honest products of both pools always pass, and
/// every kind of wrong product — one changed entry, a skipped layer, another batch's, the other pool's
/// — always fails; an altered X̂ or a forged signature is rejected before any check.
@Suite struct MaskedResultEvaluationTests {
    func evaluate(_ result: MaskedResultMessage, _ tiny: TinyMaskedJob) -> ResultEvaluation {
        switch MaskedResultEvaluation.authenticate(result, authorizedProducers: [TinyJob.producer.publicKey]) {
        case .success(let key): MaskedResultEvaluation.evaluate(result, signedBy: key, model: tiny.model.quantized, rounds: 2)
        case .failure(let rejection): .rejection(rejection.reason, cause: rejection.cause)
        }
    }

    @Test(arguments: MaskedPool.allCases)
    func honestProductsAlwaysPass(_ pool: MaskedPool) throws {
        for layer in 0..<3 {
            for _ in 0..<20 {
                let tiny = try TinyMaskedJob(layer: layer)
                let verdict = evaluate(try tiny.result(pool), tiny)
                #expect(verdict.verdict == .passed, "\(verdict.reason)")
                #expect(verdict.outputSHA256 == ResidueCoding.digest(try tiny.product(pool)))
            }
        }
    }

    @Test(arguments: MaskedPool.allCases)
    func anySingleChangedEntryFails(_ pool: MaskedPool) throws {
        let tiny = try TinyMaskedJob(layer: 1)
        let honest = try tiny.product(pool)
        for index in 0..<honest.elements.count {
            for delta: UInt32 in [1, PrimeField.modulus - 1, 1 << 20] {
                var elements = honest.elements
                elements[index] = UInt32((UInt64(elements[index]) + UInt64(delta)) % UInt64(PrimeField.modulus))
                let changed = try ResidueMatrix(rows: honest.rows, columns: honest.columns, elements: elements)
                let verdict = evaluate(try tiny.result(pool, product: changed), tiny)
                #expect(verdict.verdict == .failed && verdict.cause == ReplyManifest.Cause.checkFailed,
                        "entry \(index) + \(delta) was not caught")
            }
        }
    }

    @Test(arguments: MaskedPool.allCases)
    func aSkippedLayerAnotherBatchOrTheOtherPoolsProductFails(_ pool: MaskedPool) throws {
        let tiny = try TinyMaskedJob(batch: 0, layer: 1)
        let wrongProducts = [
            ("the previous layer's product", try TinyMaskedJob(batch: 0, layer: 0).product(pool)),
            ("the next layer's product", try TinyMaskedJob(batch: 0, layer: 2).product(pool)),
            ("another batch's product", try TinyMaskedJob(batch: 1, layer: 1).product(pool)),
            ("the other pool's product", try tiny.product(pool == .data ? .mask : .data)),
        ]
        for (what, product) in wrongProducts {
            let verdict = evaluate(try tiny.result(pool, product: product), tiny)
            #expect(verdict.verdict == .failed, "\(what) passed")
        }
    }

    @Test func anAlteredMaskedInputIsRejected() throws {
        let tiny = try TinyMaskedJob()
        var elements = tiny.request.maskedInput.elements
        elements[3] = (elements[3] + 1) % PrimeField.modulus
        let altered = try ResidueMatrix(rows: 4, columns: 6, elements: elements)
        let job = try MaskedJobMessage.decode(FrameCodec.encode(Frame(
            kind: .maskedJob, manifest: tiny.dataJob.manifestBytes, signature: tiny.dataJob.signature,
            metadata: Array("{}".utf8), blob: ResidueCoding.encode([altered]))))
        let result = MaskedResultMessage(job: job, product: try job.poolInput.compute(weights: tiny.model.layers[0].weights),
                                         workerID: "w", computeMs: 1)
        let verdict = evaluate(result, tiny)
        #expect(verdict.verdict == .rejected && verdict.cause == ReplyManifest.Cause.inputMismatch)
    }

    @Test func aResultSignedByAnotherKeyIsRejected() throws {
        let tiny = try TinyMaskedJob(signer: SigningIdentity())
        let verdict = evaluate(try tiny.result(.mask), tiny)
        #expect(verdict.verdict == .rejected && verdict.cause == ReplyManifest.Cause.unauthorizedProducer)
    }

    @Test func aLayerTheModelDoesNotHaveIsAModelMismatch() throws {
        let tiny = try TinyMaskedJob(layer: 2)
        let oneLayer = try QuantizedModel(layers: [tiny.model.quantized.layers[0]])
        let result = try tiny.result(.data)
        let verdict = MaskedResultEvaluation.evaluate(result, signedBy: TinyJob.producer.publicKey, model: oneLayer, rounds: 2)
        #expect(verdict.verdict == .rejected && verdict.cause == ReplyManifest.Cause.modelMismatch)
    }

    @Test func aDefectiveBlobFailsAsMalformed() throws {
        let tiny = try TinyMaskedJob()
        let bytes = FrameCodec.encode(Frame(kind: .maskedResult, manifest: tiny.maskJob.manifestBytes, signature: tiny.maskJob.signature,
                                            metadata: Array(#"{"compute_ms":2,"worker_id":"w1"}"#.utf8), blob: [1, 2, 3]))
        let result = try MaskedResultMessage.decode(bytes)
        #expect(result.defect != nil)
        let verdict = evaluate(result, tiny)
        #expect(verdict.verdict == .failed && verdict.cause == ReplyManifest.Cause.malformedResult)
    }
}
