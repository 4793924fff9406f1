import Testing
@testable import SecureNets

/// Where a network is split into segments (DESIGN §3): chained mode splits after sigmoid/tanh and at the
/// end, per-layer mode after every layer.
@Suite struct SegmentPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let activations: [Activation]
        let chained: [Range<Int>]
        var testDescription: String { activations.map(\.name).joined(separator: ",") }
    }

    static let cases: [Case] = [
        Case(activations: [.identity], chained: [0..<1]),
        Case(activations: [.sigmoid], chained: [0..<1]),
        Case(activations: [.relu, .relu, .identity], chained: [0..<3]),
        Case(activations: [.relu, .leakyRelu(alpha: 0.1), .relu, .identity], chained: [0..<4]),
        Case(activations: [.sigmoid, .relu], chained: [0..<1, 1..<2]),
        Case(activations: [.relu, .sigmoid, .relu, .tanh, .leakyRelu(alpha: 0.2)], chained: [0..<2, 2..<4, 4..<5]),
        Case(activations: [.tanh, .tanh, .tanh], chained: [0..<1, 1..<2, 2..<3]),
        Case(activations: [.relu, .relu, .sigmoid], chained: [0..<3]),
        Case(activations: [.relu, .tanh, .relu, .relu, .identity, .sigmoid, .relu], chained: [0..<2, 2..<6, 6..<7]),
    ]

    @Test(arguments: cases)
    func splitsWhereExpected(_ example: Case) {
        let chained = SegmentPlan(layerActivations: example.activations, mode: .chained)
        #expect(chained.segments == example.chained)
        let perLayer = SegmentPlan(layerActivations: example.activations, mode: .perLayer)
        #expect(perLayer.segments == example.activations.indices.map { $0..<($0 + 1) })

        let ends = Set(example.chained.map(\.upperBound))
        for boundary in 0...example.activations.count {
            #expect(chained.isEdge(boundary: boundary) == (boundary == 0 || ends.contains(boundary)),
                    "chained boundary \(boundary)")
            #expect(perLayer.isEdge(boundary: boundary), "per-layer boundary \(boundary) is always an edge")
        }
    }

    /// Random activation lists against the rule stated independently: segments tile 0..<L in order, each ends
    /// at the last layer or right after a sigmoid/tanh, and nothing but ReLU/LeakyReLU/identity sits inside.
    @Test func randomPlansFollowTheRule() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let activations = (0..<rng.int(1...12)).map { _ in RandomModels.anyActivation(using: &rng) }
            let plan = SegmentPlan(layerActivations: activations, mode: .chained)
            #expect(plan.segments.first?.lowerBound == 0)
            #expect(plan.segments.last?.upperBound == activations.count)
            for (a, b) in zip(plan.segments, plan.segments.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            for segment in plan.segments {
                #expect(!segment.isEmpty)
                for layer in segment.dropLast() where Self.endsSegment(activations[layer]) {
                    Issue.record("\(activations[layer].name) at layer \(layer) inside \(segment)")
                }
                let last = segment.upperBound - 1
                #expect(Self.endsSegment(activations[last]) || last == activations.count - 1,
                        "segment \(segment) ends after \(activations[last].name), which is not the last layer")
            }
            let splits = activations.dropLast().filter(Self.endsSegment).count
            #expect(plan.segments.count == splits + 1, "\(activations.map(\.name))")
        }
    }

    private static func endsSegment(_ activation: Activation) -> Bool {
        switch activation {
        case .sigmoid, .tanh, .elu, .selu, .softplus, .hardSigmoid, .clip, .gelu: true
        case .relu, .leakyRelu, .prelu, .identity: false
        }
    }

    @Test func planOfANetworkUsesItsActivations() throws {
        var rng = SplitMix64(seed: 5)
        let network = RandomModels.network(widths: [3, 4, 4, 2], activations: [.relu, .tanh, .identity], using: &rng)
        #expect(SegmentPlan(network: network, mode: .chained).segments == [0..<2, 2..<3])
        #expect(SegmentPlan(network: network, mode: .perLayer).segments == [0..<1, 1..<2, 2..<3])
    }
}
