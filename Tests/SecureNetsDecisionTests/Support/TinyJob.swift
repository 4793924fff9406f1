import SecureNets

/// One honestly computed job and result of a small blinded network: the material every decision test
/// starts from. Deterministic weights and inputs; fresh keys.
struct TinyJob {
    static let producer = SigningIdentity()
    static let verifier = SigningIdentity()

    let session: BlindingSession
    let modelDigest: String
    let job: JobMessage
    let outputs: [Matrix]

    init(jobID: String = "job-1", batch: Int = 0, attempt: Int = 1, signer: SigningIdentity = TinyJob.producer) throws {
        let weights1 = Matrix(rows: 4, columns: 5, elements: (0..<20).map { Float($0 % 7) / 7 - 0.4 })
        let weights2 = Matrix(rows: 5, columns: 3, elements: (0..<15).map { Float($0 % 5) / 5 - 0.3 })
        let network = try Network(layers: [
            DenseLayer(weights: weights1, bias: [0.1, -0.2, 0.05, 0, 0.3], activation: .relu),
            DenseLayer(weights: weights2, bias: [0, 0.1, -0.1], activation: .identity),
        ])
        session = BlindingSession(network: network, mode: .chained)
        modelDigest = ModelChunks.split(ModelCodec.encode(session.blindedModel)).digest
        let rows = Matrix(rows: 3, columns: 4, elements: (0..<12).map { Float($0) / 6 - 1 })
        let (input, _) = try session.blindInput(rows, segment: 0)
        let layers = session.plan.segments[0]
        let manifest = JobManifest(
            jobID: jobID, batch: batch, segment: 0, attempt: attempt, segmentCount: 1, firstLayer: 0,
            layerCount: layers.count, modelDigest: modelDigest, modelPublishedAtMs: 1, precision: .exact,
            rows: input.rows, inputColumns: input.columns, inputSHA256: Digest.tensor(input),
            replyQueue: "securenets.reply.\(jobID)", producerKey: signer.publicKey.fingerprint, issuedAtMs: 1)
        job = try JobMessage(manifest: manifest, input: input, signedBy: signer)
        outputs = try BlindedForward.run(input: input, layers: session.blindedModel.layers[layers], precision: .exact)
    }

    var result: ResultMessage { ResultMessage(job: job, outputs: outputs, workerID: "w1", computeMs: 2) }

    /// The result frame with its metadata or tensors replaced.
    func resultFrame(metadata: String? = nil, tensors: [Matrix]? = nil) -> [UInt8] {
        FrameCodec.encode(Frame(kind: .result, manifest: job.manifestBytes, signature: job.signature,
                                metadata: Array((metadata ?? #"{"compute_ms":2,"worker_id":"w1"}"#).utf8),
                                tensors: tensors ?? [job.input] + outputs))
    }
}
