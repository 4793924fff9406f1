/// The activation a blinded model carries for one layer (docs/PROTOCOL.md §7.1).
///
/// A worker applies a layer's activation to Z′ = N·Z̃·M, whose column ρ(j) holds unit j scaled by a
/// positive factor (M = (m, ρ) is the layer's output boundary key; interior keys and the batch keys
/// of multi-layer segments are positive). ReLU and LeakyReLU are the same function for every column;
/// PRelu is not: blinded column ρ(j) needs unit j's slope, and the homogeneous column (always
/// positive there) gets slope 1, so PRelu leaves it 1·m_n as ReLU would.
extension Activation {
    /// What the blinded model sends for a layer with this activation and output key `outputKey`:
    /// PRelu's slopes permuted by `outputKey` when a worker applies it (`appliedByWorker`: the layer
    /// is not the last of its segment), identity when the producer applies it, so that its slopes
    /// then never leave the producer; identity for every activation only the producer applies (they
    /// always end a segment); the activation itself otherwise.
    func sentToWorkers(outputKey: MonomialMatrix, appliedByWorker: Bool) -> Activation {
        guard isFusedOnWorkers else { return .identity }
        guard case .prelu(let slopes) = self else { return self }
        guard appliedByWorker else { return .identity }
        precondition(outputKey.size == slopes.count + 1,
                     "PRelu with \(slopes.count) slopes, output key of size \(outputKey.size)")
        precondition(outputKey.isPositive, "a worker applies PRelu only after a positive key")
        var permuted = [Float](repeating: 1, count: outputKey.size)
        for (unit, slope) in slopes.enumerated() { permuted[outputKey.permutation[unit]] = slope }
        return .prelu(slopes: permuted)
    }
}
