import SecureNets

/// The masked-mode roles of one (shape, batch) cell, prepared like `ComputeWorkload`: every layer's
/// input, seed, masked input and both pools' products are computed once up front, so each timed call
/// does one role's work on genuine data and nothing else.
///
/// Per batch over all layers: the data pool's products (X̂ · W_q mod p), the mask pool's (expand R
/// from its seed, R · W_q mod p), the producer's steps (quantize, expand R, mask; unmask, dequantize,
/// activation) and the verifier's exact checks of both pools (R rebuilt from the seed).
struct MaskedComputeWorkload {
    let model: MaskedModel
    /// Per layer: the producer's input activations, its seed, what it sent and what came back.
    let layerInputs: [Matrix]
    let requests: [LayerMasking.Request]
    let dataProducts: [ResidueMatrix]
    let maskProducts: [ResidueMatrix]

    init(network: Network, input: Matrix) throws {
        model = try MaskedModel(network: network)
        var inputs: [Matrix] = [], requests: [LayerMasking.Request] = []
        var data: [ResidueMatrix] = [], mask: [ResidueMatrix] = []
        var activations = input
        for layer in model.layers {
            let request = try LayerMasking.mask(activations, for: layer)
            inputs.append(activations)
            requests.append(request)
            data.append(try request.dataPoolInput.compute(weights: layer.weights))
            mask.append(try request.maskPoolInput.compute(weights: layer.weights))
            activations = try LayerMasking.unmask(data: data[data.count - 1], mask: mask[mask.count - 1], for: layer,
                                                  inputScales: request.inputScales)
            layer.activation.apply(to: &activations)
        }
        (layerInputs, self.requests, dataProducts, maskProducts) = (inputs, requests, data, mask)
    }

    /// The data pool's work for one batch: every layer's X̂ · W_q mod p.
    func dataPool() throws -> [ResidueMatrix] {
        try zip(model.layers, requests).map { try $1.dataPoolInput.compute(weights: $0.weights) }
    }

    /// The mask pool's work for one batch: every layer's R (from its seed) · W_q mod p.
    func maskPool() throws -> [ResidueMatrix] {
        try zip(model.layers, requests).map { try $1.maskPoolInput.compute(weights: $0.weights) }
    }

    /// The producer's work for one batch, layer after layer: mask the layer's input (with the seed
    /// drawn up front, so the products that come back are the genuine ones), unmask and dequantize the
    /// two products, apply the activation; softmax at the end if the model has it.
    func producer() throws -> Matrix {
        var activations = layerInputs[0]
        for (index, layer) in model.layers.enumerated() {
            let request = try LayerMasking.mask(activations, for: layer, seed: requests[index].seed)
            activations = try LayerMasking.unmask(data: dataProducts[index], mask: maskProducts[index], for: layer,
                                                  inputScales: request.inputScales)
            layer.activation.apply(to: &activations)
        }
        model.outputNormalization.apply(to: &activations)
        return activations
    }

    /// The verifier's work for one batch: the exact mod-p check (k = 2) of both pools' products of
    /// every layer. True when all pass.
    func verify() throws -> Bool {
        let check = ModPFreivaldsCheck(rounds: ComputeWorkload.verificationRounds)
        for (index, layer) in model.layers.enumerated() {
            let request = requests[index]
            let data = check.check(input: request.maskedInput, weights: layer.weights, output: dataProducts[index])
            let mask = check.check(input: try request.maskPoolInput.operand(columns: layer.inputCount),
                                   weights: layer.weights, output: maskProducts[index])
            guard data.passed, mask.passed else { return false }
        }
        return true
    }
}
