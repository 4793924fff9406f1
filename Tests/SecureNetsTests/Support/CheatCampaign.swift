import Foundation
@testable import SecureNets

/// The cheat-detection campaign (docs/VERIFICATION.md): thousands of tampered and honest results for
/// random networks, each verified as the verifier service verifies a result body.
///
/// - Tampered: every `CheatStrategy` against each of `tamperScenarios` jobs, in `exact` precision
///   (the precision in which tampering detection is promised). Each scenario is a chained segment
///   of 2–3 layers with one layer as wide as its input (so a skipped layer keeps the shapes).
/// - Honest: two batches per tamper scenario and per honest-only scenario, each in `exact` and
///   `fast`; honest-only scenarios are 1–3 layers with any activations, chained or per layer, and
///   check a random segment.
/// - Thresholds: for every caught single-entry change, the smallest change of that entry the check
///   still catches (`DetectionThreshold`).
///
/// Shapes, values and keys come from a seeded generator; the verifier's vectors from the system
/// CSPRNG. Inner dimensions K = features + 1 run from 2 to ~300, with one scenario in 40 (honest)
/// or 50 (tampered) taking one layer's inputs to 1000–3000 features.
struct CheatCampaign {
    /// Tampered cases to run at least, and honest cases to run at least.
    let cases: Int
    let seed: UInt64

    var tamperScenarios: Int { (cases + CheatStrategy.allCases.count - 1) / CheatStrategy.allCases.count }
    /// Honest results each scenario yields: two batches, each in both precisions.
    static let honestPerScenario = 4
    var honestScenarios: Int {
        max(0, (cases - tamperScenarios * Self.honestPerScenario + Self.honestPerScenario - 1) / Self.honestPerScenario)
    }

    struct Report {
        var tampered = CampaignTally()
        var honest = CampaignTally()
        var thresholds: [DetectionThreshold] = []
        /// Cheats that left the result byte-identical to the honest one (must stay 0).
        var unchanged = 0
        /// Inner dimensions K of every layer checked.
        var innerDimensions: [Int] = []
    }

    /// Runs both halves side by side (two threads) and merges them.
    func run() throws -> Report {
        let producer = SigningIdentity(), rogue = SigningIdentity()
        let verifier = CampaignVerifier(authorizedProducers: [producer.publicKey])
        var halves: [Result<Report, Error>] = Array(repeating: .success(Report()), count: 2)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let outcome = Result {
                half == 0 ? try tampering(verifier: verifier, producer: producer, rogue: rogue)
                          : try honesty(verifier: verifier, producer: producer)
            }
            lock.withLock { halves[half] = outcome }
        }
        var report = try halves[0].get()
        let honest = try halves[1].get()
        report.honest.merge(honest.honest)
        report.innerDimensions += honest.innerDimensions
        return report
    }

    // MARK: Tampered results

    private func tampering(verifier: CampaignVerifier, producer: SigningIdentity, rogue: SigningIdentity) throws -> Report {
        var rng = SeededGenerator(seed: seed)
        var report = Report()
        for id in 0..<tamperScenarios {
            let big = id % 50 == 49
            let layerCount = Int.random(in: 2...3, using: &rng)
            var widths = (0...layerCount).map { _ in Self.logUniform(1...120, using: &rng) }
            if big { widths[0] = Int.random(in: 1000...2500, using: &rng) }
            // One layer as wide as its input; never the wide first layer.
            let square = Int.random(in: (big ? 1 : 0)..<layerCount, using: &rng)
            widths[square + 1] = widths[square]
            let activations = (0..<layerCount).map { index in
                index == layerCount - 1 ? Self.anyActivation(using: &rng) : Self.homogeneousActivation(using: &rng)
            }
            let weights = ValueProfile.allCases.randomElement(using: &rng)!
            let inputs = ValueProfile.allCases.randomElement(using: &rng)!
            let scenario = try CheatScenario(id: id, widths: widths, activations: activations, mode: .chained,
                                             segment: 0, weights: weights, producer: producer, using: &rng)
            let other = try CheatScenario(id: id, widths: widths, activations: activations, mode: .chained,
                                          segment: 0, weights: weights, producer: producer, using: &rng)
            let rows = Int.random(in: 2...8, using: &rng)
            let job = try scenario.job(batch: 0, rows: rows, precision: .exact, inputs: inputs, using: &rng)
            let otherBatch = try scenario.job(batch: 1, rows: rows, precision: .exact, inputs: inputs, using: &rng)
            let honest = try scenario.honestOutputs(for: job)
            report.innerDimensions += scenario.layers.map(\.weights.rows)

            // The honest baselines: both batches in exact, two more in fast.
            for (batch, precision) in [(0, Precision.exact), (1, .exact), (2, .fast), (3, .fast)] {
                let baseline = batch == 0 ? job : batch == 1 ? otherBatch
                    : try scenario.job(batch: batch, rows: rows, precision: precision, inputs: inputs, using: &rng)
                let outputs = batch == 0 ? honest : try scenario.honestOutputs(for: baseline)
                let (outcome, ratio) = verifier.verify(ResultMessage(job: baseline, outputs: outputs, workerID: "honest", computeMs: 0),
                                                       model: scenario.model)
                report.honest.record(precision.rawValue, outcome, ratio: ratio)
            }

            let material = CheatMaterial(job: job, layers: scenario.layers, otherBatch: otherBatch,
                                         otherModelLayers: other.layers, rogue: rogue)
            for strategy in CheatStrategy.allCases {
                let cheat = try strategy.cheat(material, using: &rng)
                if cheat.result.outputs == honest, cheat.result.input == job.input,
                   cheat.result.manifestBytes == job.manifestBytes { report.unchanged += 1 }
                let (outcome, ratio) = verifier.verify(cheat.result, model: scenario.model)
                report.tampered.record(strategy.rawValue, outcome, ratio: ratio)
                if let change = cheat.singleEntry, outcome != .passed {
                    report.thresholds.append(threshold(of: change, job: job, honest: honest, layers: scenario.layers))
                }
            }
        }
        return report
    }

    /// The detection threshold of `change`'s entry in its layer, all earlier layers being honest.
    private func threshold(of change: SingleEntryChange, job: JobMessage, honest: [Matrix],
                           layers: ArraySlice<BlindedLayer>) -> DetectionThreshold {
        let layer = layers[layers.startIndex + change.layerOffset]
        var input = job.input
        if change.layerOffset > 0 {
            input = honest[change.layerOffset - 1]
            layers[layers.startIndex + change.layerOffset - 1].activation.apply(to: &input)
        }
        return DetectionThreshold(input: input, weights: layer.weights, output: honest[change.layerOffset],
                                  row: change.row, column: change.column, sign: change.sign,
                                  caughtFactor: change.relativeChange)
    }

    // MARK: Honest results

    private func honesty(verifier: CampaignVerifier, producer: SigningIdentity) throws -> Report {
        var rng = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var report = Report()
        for index in 0..<honestScenarios {
            let id = tamperScenarios + index
            let layerCount = Int.random(in: 1...3, using: &rng)
            var widths = (0...layerCount).map { _ in Self.logUniform(1...300, using: &rng) }
            if index % 40 == 39 {
                // Inner dimension in the thousands: one wide layer input, every other width small.
                widths = widths.map { min($0, 16) }
                widths[Int.random(in: 0..<layerCount, using: &rng)] = Int.random(in: 1000...3000, using: &rng)
            }
            let activations = (0..<layerCount).map { _ in Self.anyActivation(using: &rng) }
            let mode = ChainingMode.allCases.randomElement(using: &rng)!
            let scenario = try CheatScenario(id: id, widths: widths, activations: activations, mode: mode,
                                             weights: ValueProfile.allCases.randomElement(using: &rng)!,
                                             producer: producer, using: &rng)
            report.innerDimensions += scenario.layers.map(\.weights.rows)
            let inputs = ValueProfile.allCases.randomElement(using: &rng)!
            let rows = Int.random(in: 1...16, using: &rng)
            for (batch, precision) in [(0, Precision.exact), (1, .exact), (2, .fast), (3, .fast)] {
                let job = try scenario.job(batch: batch, rows: rows, precision: precision, inputs: inputs, using: &rng)
                let result = ResultMessage(job: job, outputs: try scenario.honestOutputs(for: job), workerID: "honest", computeMs: 0)
                let (outcome, ratio) = verifier.verify(result, model: scenario.model)
                report.honest.record(precision.rawValue, outcome, ratio: ratio)
            }
        }
        return report
    }

    // MARK: Random shapes

    /// An integer log-uniform in `range`: small widths are as likely per octave as large ones.
    static func logUniform<G: RandomNumberGenerator>(_ range: ClosedRange<Int>, using rng: inout G) -> Int {
        let value = exp(Double.random(in: log(Double(range.lowerBound))...log(Double(range.upperBound) + 1), using: &rng))
        return min(range.upperBound, max(range.lowerBound, Int(value)))
    }

    static func homogeneousActivation<G: RandomNumberGenerator>(using rng: inout G) -> Activation {
        [.relu, .identity, .leakyRelu(alpha: Float.random(in: 0.01...0.3, using: &rng))].randomElement(using: &rng)!
    }

    static func anyActivation<G: RandomNumberGenerator>(using rng: inout G) -> Activation {
        Bool.random(using: &rng) ? homogeneousActivation(using: &rng) : [.sigmoid, .tanh].randomElement(using: &rng)!
    }
}
