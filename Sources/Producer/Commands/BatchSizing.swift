import ArgumentParser
import Foundation
import SecureNets

/// Chooses batch sizes so that the largest message of a job, the worker's result, fits the broker.
enum BatchSizing {
    /// Bytes of frame and manifest around the tensors; generous so that the bound always holds.
    static let envelopeBytes = 64 << 10

    /// The most rows per batch such that every segment's result (input + every pre-activation, float32,
    /// homogeneous columns included) fits in `maxMessageBytes`. At least 1.
    static func largestBatch(for network: Network, privacy: PrivacyMode = .blinded, mode: ChainingMode, maxMessageBytes: Int) -> Int {
        if privacy == .masked {
            // A data-pool result carries X̂ and Z_A, 4 bytes per residue, for the widest layer.
            let widths = network.widths
            let bytesPerRow = zip(widths, widths.dropFirst()).map { 4 * ($0 + $1) }.max() ?? 4
            return max(1, (maxMessageBytes - envelopeBytes) / bytesPerRow)
        }
        let plan = SegmentPlan(network: network, mode: mode)
        let widths = network.widths
        var bytesPerRow = 1
        for layers in plan.segments {
            // The input and every pre-activation, each with its homogeneous column.
            var floats = widths[layers.lowerBound] + 1
            for layer in layers { floats += widths[layer + 1] + 1 }
            bytesPerRow = max(bytesPerRow, 4 * floats)
        }
        return max(1, (maxMessageBytes - envelopeBytes) / bytesPerRow)
    }
}

/// SHA-256 of a file, to notice when a job's model or input changed before `collect`.
enum FileFingerprint {
    static func sha256(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return Digest.sha256Hex(data)
    }
}
