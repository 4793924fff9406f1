import Foundation
@testable import SecureNets

/// The worked example of docs/PROTOCOL.md §Worked example: a tiny job frame with fixed contents, signed by a
/// key whose 32-byte seed is 0x01 0x02 … 0x20 (Ed25519 signatures are deterministic, so the bytes are too).
enum ProtocolExample {
    static let producer = SampleJobs.identity(seed: 1)
    /// The blinded input: 2 rows, 2 features + the homogeneous column.
    static let input = Matrix([[0.5, -1.25, 3], [2, 0.0625, -0.75]])

    static var manifest: JobManifest {
        JobManifest(jobID: "job-0001", batch: 0, segment: 0, segmentCount: 1, firstLayer: 0, layerCount: 2,
                    modelDigest: Digest.sha256Hex(Array("example model".utf8)), modelPublishedAtMs: 1_767_225_600_000,
                    precision: .exact, rows: 2, inputColumns: 3, inputSHA256: Digest.tensor(input),
                    replyQueue: "securenets.reply.job-0001", producerKey: producer.publicKey.fingerprint,
                    issuedAtMs: 1_767_225_600_123)
    }

    static var job: JobMessage { try! JobMessage(manifest: manifest, attempt: 1, input: input, signedBy: producer) }

    /// The repository root, found from this file's path (Tests/SecureNetsTests/Support/…).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}
