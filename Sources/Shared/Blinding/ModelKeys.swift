/// The secret boundary keys `M_0 … M_L` of one key epoch (DESIGN §3).
///
/// `boundaries[b]` acts on the homogeneous width `widths[b] + 1`. Keys at interior boundaries are
/// positive (a worker applies an activation there); keys at segment edges may carry random signs.
public struct ModelKeys: Sendable, Equatable, Codable {
    public let boundaries: [MonomialMatrix]

    public init(boundaries: [MonomialMatrix]) { self.boundaries = boundaries }

    /// Fresh keys for `network` split by `plan`.
    public static func generate<G: RandomNumberGenerator>(
        for network: Network, plan: SegmentPlan, generator keyGenerator: KeyGenerator = KeyGenerator(),
        signedEdges: Bool = true, using rng: inout G
    ) -> ModelKeys {
        let keys = network.widths.enumerated().map { b, width in
            keyGenerator.key(size: width + 1, signed: signedEdges && plan.isEdge(boundary: b), using: &rng)
        }
        return ModelKeys(boundaries: keys)
    }

    /// Fresh keys from the system CSPRNG.
    public static func generate(for network: Network, plan: SegmentPlan,
                                generator: KeyGenerator = KeyGenerator(), signedEdges: Bool = true) -> ModelKeys {
        var rng = SystemRandomStream()
        return generate(for: network, plan: plan, generator: generator, signedEdges: signedEdges, using: &rng)
    }
}
