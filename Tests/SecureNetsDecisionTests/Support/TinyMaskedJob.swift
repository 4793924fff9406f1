import SecureNets

/// One honest masked-mode batch layer of a small network, for both pools: the jobs the producer
/// signs and the results honest workers return. Deterministic weights and inputs; fresh R.
struct TinyMaskedJob {
    let network: Network
    let model: MaskedModel
    let modelDigest: String
    let rows: Matrix
    let request: LayerMasking.Request
    let dataJob: MaskedJobMessage
    let maskJob: MaskedJobMessage

    /// Layer `layer` of batch `batch`; every layer of the network is 6 wide, so one layer's product
    /// has the shape of another's (a skipped or swapped layer must be caught by the check itself).
    init(jobID: String = "job-1", batch: Int = 0, layer: Int = 0, attempt: Int = 1, signer: SigningIdentity = TinyJob.producer) throws {
        let weights = (0..<3).map { l in Matrix(rows: 6, columns: 6, elements: (0..<36).map { Float(($0 * (l + 3)) % 11) / 11 - 0.45 }) }
        network = try Network(layers: weights.enumerated().map { index, w in
            DenseLayer(weights: w, bias: [0.1, -0.2, 0.05, 0, 0.3, -0.1], activation: index < 2 ? .relu : .identity)
        })
        model = try MaskedModel(network: network)
        modelDigest = ModelChunks.split(MaskedModelCodec.encode(model.quantized)).digest
        rows = Matrix(rows: 4, columns: 6, elements: (0..<24).map { Float(($0 + 7 * batch) % 13) / 6 - 1 })
        let maskedLayer = model.layers[layer]
        let request = try LayerMasking.mask(rows, for: maskedLayer)
        self.request = request
        let layerCount = model.layers.count, digest = modelDigest, rowCount = rows.rows
        func manifest(_ pool: MaskedPool) -> MaskedJobManifest {
            MaskedJobManifest(pool: pool, jobID: jobID, batch: batch, layer: layer, attempt: attempt, layerCount: layerCount,
                              bitWidths: maskedLayer.bitWidths, modelDigest: digest, modelPublishedAtMs: 1, rows: rowCount,
                              inputColumns: 6, outputColumns: 6,
                              inputSHA256: pool == .data ? ResidueCoding.digest(request.maskedInput) : nil,
                              maskSeed: pool == .mask ? request.seed : nil, replyQueue: "securenets.reply.\(jobID)",
                              producerKey: signer.publicKey.fingerprint, issuedAtMs: 1)
        }
        dataJob = try MaskedJobMessage(manifest: manifest(.data), maskedInput: request.maskedInput, signedBy: signer)
        maskJob = try MaskedJobMessage(manifest: manifest(.mask), maskedInput: nil, signedBy: signer)
    }

    var published: PublishedModel { .masked(model.quantized) }

    func job(_ pool: MaskedPool) -> MaskedJobMessage { pool == .data ? dataJob : maskJob }

    /// The honest product of `pool`'s job.
    func product(_ pool: MaskedPool) throws -> ResidueMatrix {
        try job(pool).poolInput.compute(weights: model.layers[job(pool).manifest.layer].weights)
    }

    func result(_ pool: MaskedPool, product: ResidueMatrix? = nil) throws -> MaskedResultMessage {
        MaskedResultMessage(job: job(pool), product: try product ?? self.product(pool), workerID: "w-\(pool)", computeMs: 2)
    }
}
