import Testing
@testable import SecureNets

/// The verifier's decision on one result (DESIGN §4, §5): rejected when it cannot be tied to a genuine job,
/// failed when a genuine job's outputs are wrong, passed otherwise.
@Suite struct ResultEvaluationTests {
    static let producer = SampleJobs.identity(seed: 20)
    static let stranger = SampleJobs.identity(seed: 30)

    struct Fixture {
        let run: SeededSecureRun
        let job: JobMessage
        let outputs: [Matrix]
        var model: BlindedModel { run.session.blindedModel }

        init(seed: UInt64 = 1, mode: ChainingMode = .chained, precision: Precision = .exact, segment: Int = 0,
             signer: SigningIdentity = ResultEvaluationTests.producer) throws {
            var rng = SplitMix64(seed: seed)
            let network = RandomModels.network(widths: [12, 20, 16, 5], activations: [.relu, .leakyRelu(alpha: 0.1), .identity],
                                               using: &rng)
            let input = RandomModels.spreadMatrix(rows: 6, columns: 12, using: &rng)
            run = try SeededSecureRun(network: network, input: input, mode: mode, precision: precision, using: &rng)
            job = try SampleJobs.job(for: run, segment: segment, precision: precision, producer: signer)
            outputs = run.segments[segment].outputs
        }

        func result(outputs: [Matrix]? = nil, input: Matrix? = nil, manifestBytes: [UInt8]? = nil) -> ResultMessage {
            ResultMessage(manifestBytes: manifestBytes ?? job.manifestBytes, signature: job.signature, manifest: job.manifest,
                          metadata: WorkerMetadata(workerID: "w", computeMs: 1),
                          input: input ?? job.input, outputs: outputs ?? self.outputs, defect: nil)
        }

        func evaluate(_ result: ResultMessage, trusting keys: [TrustedKey] = [ResultEvaluationTests.producer.publicKey])
            -> ResultEvaluation {
            ResultEvaluation.evaluate(result, authorizedProducers: keys, model: model, rounds: 2)
        }
    }

    @Test(arguments: ChainingMode.allCases, Precision.allCases)
    func honestResultsPass(mode: ChainingMode, precision: Precision) throws {
        let segments = try Fixture(mode: mode, precision: precision).run.segments.count
        for segment in 0..<segments {
            let fixture = try Fixture(mode: mode, precision: precision, segment: segment)
            // Through the wire, as the verifier receives it.
            let honest = ResultMessage(job: fixture.job, outputs: fixture.outputs, workerID: "worker-1", computeMs: 3)
            let evaluation = fixture.evaluate(try ResultMessage.decode(honest.encode()),
                                              trusting: [Self.stranger.publicKey, Self.producer.publicKey])
            let context = "\(mode), \(precision), segment \(segment)"
            #expect(evaluation.verdict == .passed, "\(context): \(evaluation.reason)")
            #expect(evaluation.reason.isEmpty && evaluation.maxResidualRatio <= 1, "\(context)")
            #expect(evaluation.producerKey == Self.producer.publicKey, "\(context): signer")
            #expect(evaluation.outputSHA256 == Digest.sha256Hex(ReferenceMath.tensorBytes(fixture.outputs.last!)),
                    "\(context): the reply's digest is that of the segment's last output")
        }
    }

    @Test func unauthorizedSignersAreRejected() throws {
        let fixture = try Fixture()
        let untrusted = fixture.evaluate(fixture.result(), trusting: [Self.stranger.publicKey])
        #expect(untrusted.verdict == .rejected && untrusted.producerKey == nil, "\(untrusted.reason)")
        #expect(fixture.evaluate(fixture.result(), trusting: []).verdict == .rejected)
        // Signed by a key the verifier does not trust, naming the trusted producer.
        let forged = try Fixture(signer: Self.stranger)
        #expect(forged.evaluate(forged.result()).verdict == .rejected)
    }

    @Test func manifestNamingAnotherProducerIsRejected() throws {
        let fixture = try Fixture()
        var manifest = fixture.job.manifest
        manifest.producerKey = Self.stranger.publicKey.fingerprint
        let job = try JobMessage(manifest: manifest, attempt: 1, input: fixture.job.input, signedBy: Self.producer)
        let result = ResultMessage(job: job, outputs: fixture.outputs, workerID: "w", computeMs: 1)
        let evaluation = fixture.evaluate(result, trusting: [Self.producer.publicKey, Self.stranger.publicKey])
        #expect(evaluation.verdict == .rejected, "\(evaluation.reason)")
        #expect(evaluation.reason.contains("names producer key"), "\(evaluation.reason)")
    }

    @Test func alteredInputOrManifestIsRejected() throws {
        let fixture = try Fixture()
        var input = fixture.job.input
        input[0, 0] = input[0, 0].nextUp
        let altered = fixture.evaluate(fixture.result(input: input))
        #expect(altered.verdict == .rejected && altered.reason.contains("input_sha256"), "\(altered.reason)")
        // The worker computed honestly on the altered input: still rejected, since the producer never sent it.
        let consistent = try BlindedForward.run(input: input, layers: fixture.run.layers(of: fixture.run.segments[0]), precision: .exact)
        #expect(fixture.evaluate(fixture.result(outputs: consistent, input: input)).verdict == .rejected)
        let edited = SampleJobs.editedJSON(fixture.job.manifestBytes) { $0["precision"] = "fast" }
        #expect(fixture.evaluate(fixture.result(manifestBytes: edited)).verdict == .rejected, "edited manifest bytes")
    }

    @Test func layersOutsideTheModelAreRejected() throws {
        let fixture = try Fixture()
        for (first, count) in [(2, 2), (3, 1), (0, 4)] {
            var manifest = fixture.job.manifest
            manifest.firstLayer = first
            manifest.layerCount = count
            let job = try JobMessage(manifest: manifest, attempt: 1, input: fixture.job.input, signedBy: Self.producer)
            let evaluation = fixture.evaluate(ResultMessage(job: job, outputs: fixture.outputs, workerID: "w", computeMs: 1))
            #expect(evaluation.verdict == .rejected, "layers \(first)..<\(first + count): \(evaluation.reason)")
        }
        // In range, but the input does not fit the named first layer.
        var manifest = fixture.job.manifest
        manifest.firstLayer = 1
        manifest.layerCount = 2
        let job = try JobMessage(manifest: manifest, attempt: 1, input: fixture.job.input, signedBy: Self.producer)
        let misfit = fixture.evaluate(ResultMessage(job: job, outputs: Array(fixture.outputs.dropFirst()), workerID: "w", computeMs: 1))
        #expect(misfit.verdict == .rejected && misfit.reason.contains("columns"), "\(misfit.reason)")
    }

    @Test func wrongShapesFail() throws {
        let fixture = try Fixture()
        var outputs = fixture.outputs
        let last = outputs.count - 1
        outputs[last] = outputs[last].selectingColumns(0..<(outputs[last].columns - 1))
        let narrow = fixture.evaluate(fixture.result(outputs: outputs))
        #expect(narrow.verdict == .failed && narrow.reason.contains("expected"), "\(narrow.reason)")
        #expect(narrow.producerKey == Self.producer.publicKey && narrow.outputSHA256 == nil)
        outputs = fixture.outputs
        outputs[0] = outputs[0].selectingRows(0..<(outputs[0].rows - 1))
        #expect(fixture.evaluate(fixture.result(outputs: outputs)).verdict == .failed, "one row short")
        #expect(fixture.evaluate(fixture.result(outputs: Array(fixture.outputs.dropLast()))).verdict == .failed, "one layer short")
    }

    @Test func nonFiniteOutputsFail() throws {
        let fixture = try Fixture()
        for value in [Float.nan, .infinity, -.infinity] {
            for layer in fixture.outputs.indices {
                var outputs = fixture.outputs
                outputs[layer][1, 2] = value
                let evaluation = fixture.evaluate(fixture.result(outputs: outputs))
                #expect(evaluation.verdict == .failed && evaluation.reason.contains("layer \(layer)"),
                        "\(value) in layer \(layer): \(evaluation.verdict) \(evaluation.reason)")
            }
        }
    }

    @Test func tamperedOutputsFail() throws {
        let fixture = try Fixture(precision: .exact)
        for layer in fixture.outputs.indices {
            var outputs = fixture.outputs
            let mean = ReferenceMath.meanMagnitude(outputs[layer], row: 2)
            outputs[layer][2, 3] += Float(0.01 * mean)
            let evaluation = fixture.evaluate(fixture.result(outputs: outputs))
            #expect(evaluation.verdict == .failed && evaluation.maxResidualRatio > 1, "layer \(layer): \(evaluation.reason)")
            #expect(evaluation.reason.hasPrefix("layer \(layer)"), "\(evaluation.reason)")
        }
    }
}
