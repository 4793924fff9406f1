import Foundation
import Testing
@testable import SecureNets

/// What a cheating worker has to work with for one job: the genuine signed job, the layers it should
/// compute, another batch of the same job (same model, same rows) and another model of the same shapes.
struct CheatMaterial {
    let job: JobMessage
    let layers: ArraySlice<BlindedLayer>
    let otherBatch: JobMessage
    let otherModelLayers: ArraySlice<BlindedLayer>
    /// A key the verifier does not trust.
    let rogue: SigningIdentity
}

/// A single entry changed by `relativeChange` of its row's mean magnitude (after float32 rounding).
struct SingleEntryChange {
    let layerOffset: Int
    let row: Int
    let column: Int
    let sign: Double
    let relativeChange: Double
}

/// One tampered result, and the single-entry change behind it when there was one.
struct Cheat {
    let result: ResultMessage
    let singleEntry: SingleEntryChange?
}

/// The ways the campaign's worker lies. Every strategy returns a complete, well-formed result for a
/// genuine job signed by an authorized producer; only `forgedManifest` touches the manifest itself.
/// Strategies that alter one layer pick it at random and keep every later layer consistent with it.
enum CheatStrategy: String, CaseIterable, Sendable {
    case singleEntry = "one entry off by >1e-3 of row mean"
    case float16Operands = "operands rounded to float16"
    case noise = "random noise added"
    case scaledOutput = "output scaled"
    case swappedRows = "two rows swapped"
    case swappedColumns = "two columns swapped"
    case skippedLayer = "layer skipped (input returned)"
    case anotherBatch = "result of another batch"
    case anotherModel = "result for another model"
    case allZeros = "all zeros"
    case forgedManifest = "manifest altered or re-signed"

    /// The single-entry change: just above this fraction of the row's mean magnitude.
    static let singleEntryFloor = 1e-3

    func cheat<G: RandomNumberGenerator>(_ material: CheatMaterial, using rng: inout G) throws -> Cheat {
        let job = material.job, layers = material.layers, precision = job.manifest.precision
        let target = Int.random(in: 0..<layers.count, using: &rng)
        func result(_ outputs: [Matrix], of job: JobMessage = job) -> Cheat {
            Cheat(result: ResultMessage(job: job, outputs: outputs, workerID: "cheat", computeMs: 0), singleEntry: nil)
        }
        func altering(_ change: (_ layerInput: Matrix, _ output: inout Matrix) -> Void) -> [Matrix] {
            CheatingWorker.run(input: job.input, layers: layers, precision: precision) { offset, input, output in
                if offset == target { change(input, &output) }
            }
        }
        switch self {
        case .singleEntry:
            var change: SingleEntryChange?
            let outputs = altering { _, z in
                let row = Int.random(in: 0..<z.rows, using: &rng), column = Int.random(in: 0..<z.columns, using: &rng)
                let sign: Double = Bool.random(using: &rng) ? 1 : -1
                let factor = Double.random(in: Self.singleEntryFloor.nextUp...(1.2 * Self.singleEntryFloor), using: &rng)
                let mean = Self.meanMagnitude(z, row: row)
                let relative = Self.change(&z, row: row, column: column, by: sign * factor * mean,
                                           atLeast: Self.singleEntryFloor * mean) / mean
                change = SingleEntryChange(layerOffset: target, row: row, column: column, sign: sign, relativeChange: relative)
            }
            return Cheat(result: result(outputs).result, singleEntry: change)
        case .float16Operands:
            let halved = CheatingWorker.run(input: job.input, layers: layers, precision: precision,
                                            operands: { Matrix(rows: $0.rows, columns: $0.columns,
                                                               elements: $0.elements.map { Float(Float16($0)) }) },
                                            alter: { _, _, _ in })
            return result(halved)
        case .noise:
            let level = pow(10, Double.random(in: -3 ... -1, using: &rng))
            return result(altering { _, z in
                for row in 0..<z.rows {
                    let mean = Self.meanMagnitude(z, row: row)
                    for column in 0..<z.columns {
                        z[row, column] += Float(level * mean * Double.random(in: -1...1, using: &rng))
                    }
                }
            })
        case .scaledOutput:
            let step = pow(10, Double.random(in: -3...0, using: &rng))
            let factor = Float(Bool.random(using: &rng) ? 1 + step : 1 - step)
            return result(altering { _, z in z.elements = z.elements.map { $0 * factor } })
        case .swappedRows:
            return result(altering { _, z in
                let rows = z
                guard let (a, b) = Self.differingPair(below: z.rows, using: &rng, { rows.row($0) != rows.row($1) })
                else { return }
                for column in 0..<z.columns { (z[a, column], z[b, column]) = (z[b, column], z[a, column]) }
            })
        case .swappedColumns:
            // Swapping columns a and b moves row i of Ẑ·r by (Ẑᵢₐ − Ẑᵢᵦ)(rₐ − rᵦ): a round misses it
            // when rₐ and rᵦ have the same sign and magnitudes within bound / |Ẑᵢₐ − Ẑᵢᵦ| of each
            // other. So a swap is caught with probability, not certainty, and two columns that differ
            // by a few roundings are an honest result's noise (the campaign once drew a pair 2.9× its
            // bound apart and let it through in about one run in six). It therefore swaps columns that
            // differ, in some row, by at least max(10⁻², 4·10⁻⁴·N) of the row's mean magnitude: with
            // the exact bound near 2.4·10⁻⁷·N of that mean, that is over 1,600 bounds, and both rounds
            // miss with probability below 10⁻⁶ per case.
            return result(altering { _, z in
                let columns = z
                let rowMeans = (0..<z.rows).map { row in
                    (0..<z.columns).reduce(0.0) { $0 + Swift.abs(Double(columns[row, $1])) } / Double(z.columns)
                }
                guard let (a, b) = Self.differingPair(below: z.columns, using: &rng, { first, second in
                    (0..<columns.rows).contains { row in
                        let difference = Swift.abs(Double(columns[row, first]) - Double(columns[row, second]))
                        return difference > 0 && difference >= Swift.max(1e-2, 4e-4 * Double(z.columns)) * rowMeans[row]
                    }
                }) else { return }
                for row in 0..<z.rows { (z[row, a], z[row, b]) = (z[row, b], z[row, a]) }
            })
        case .skippedLayer:
            // Only a layer as wide as its input can be skipped without changing the result's shapes.
            let square = layers.enumerated().filter { $0.element.weights.rows == $0.element.weights.columns }.map(\.offset)
            let skipped = try #require(square.randomElement(using: &rng), "the scenario has no layer to skip")
            return result(CheatingWorker.run(input: job.input, layers: layers, precision: precision) { offset, input, z in
                if offset == skipped { z = input }
            })
        case .anotherBatch:
            let outputs = try BlindedForward.run(input: material.otherBatch.input, layers: layers, precision: precision)
            guard Bool.random(using: &rng) else { return result(outputs) }
            // The other batch's input too, under this batch's signed manifest.
            let swapped = JobMessage(manifestBytes: job.manifestBytes, signature: job.signature, manifest: job.manifest,
                                     input: material.otherBatch.input)
            return result(outputs, of: swapped)
        case .anotherModel:
            return result(try BlindedForward.run(input: job.input, layers: material.otherModelLayers, precision: precision))
        case .allZeros:
            return result(try BlindedForward.run(input: job.input, layers: layers, precision: precision)
                .map { Matrix(rows: $0.rows, columns: $0.columns) })
        case .forgedManifest:
            // Downgrade to `fast` (a looser tolerance) and compute in float32, then either sign the
            // altered manifest with a key the verifier does not trust or keep the genuine signature.
            var downgraded = job.manifest
            downgraded.precision = .fast
            let outputs = try BlindedForward.run(input: job.input, layers: layers, precision: .fast)
            let forged = Bool.random(using: &rng)
                ? try JobMessage(manifest: downgraded, attempt: 1, input: job.input, signedBy: material.rogue)
                : JobMessage(manifestBytes: ManifestCoding.encode(downgraded), signature: job.signature,
                             manifest: downgraded, input: job.input)
            return result(outputs, of: forged)
        }
    }

    /// Mean |z| over one row, in float64.
    static func meanMagnitude(_ z: Matrix, row: Int) -> Double {
        z.row(row).reduce(0) { $0 + Double(abs($1)) } / Double(z.columns)
    }

    /// Adds `delta` to one entry (rounded to float32), moving it further by whole ulps until the
    /// stored change is larger than `floor`. Returns the stored change's magnitude.
    @discardableResult
    static func change(_ z: inout Matrix, row: Int, column: Int, by delta: Double, atLeast floor: Double = 0) -> Double {
        let before = z[row, column]
        var after = Float(Double(before) + delta)
        while abs(Double(after) - Double(before)) <= floor { after = delta > 0 ? after.nextUp : after.nextDown }
        z[row, column] = after
        return abs(Double(after) - Double(before))
    }

    /// Two indices below `count` whose rows (or columns) `differ`, starting from random ones: swapping
    /// equal rows would change nothing (e.g. two all-zero columns of a sparse layer). Nil if all are equal.
    private static func differingPair<G: RandomNumberGenerator>(below count: Int, using rng: inout G,
                                                                _ differ: (Int, Int) -> Bool) -> (Int, Int)? {
        let start = Int.random(in: 0..<count, using: &rng), offset = Int.random(in: 1..<count, using: &rng)
        for step in 0..<count {
            let first = (start + step) % count
            for shift in 0..<(count - 1) {
                let second = (first + (offset + shift - 1) % (count - 1) + 1) % count
                if differ(first, second) { return (first, second) }
            }
        }
        return nil
    }
}
