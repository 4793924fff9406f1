import Foundation
@testable import SecureNets

/// Signed jobs, results and replies built the way the producer, a worker and the verifier build them.
enum SampleJobs {
    static let modelDigest = String(repeating: "ab", count: 32)

    static func manifest(jobID: String = "job-1", batch: Int = 0, segment: Int = 0, segmentCount: Int = 1,
                         firstLayer: Int = 0, layerCount: Int = 1, modelDigest: String = modelDigest,
                         precision: Precision = .exact, input: Matrix, producer: SigningIdentity) -> JobManifest {
        JobManifest(jobID: jobID, batch: batch, segment: segment, segmentCount: segmentCount, firstLayer: firstLayer,
                    layerCount: layerCount, modelDigest: modelDigest, modelPublishedAtMs: 1_767_225_600_000,
                    precision: precision, rows: input.rows, inputColumns: input.columns,
                    inputSHA256: Digest.tensor(input), replyQueue: "securenets.reply.\(jobID)",
                    producerKey: producer.publicKey.fingerprint, issuedAtMs: 1_767_225_600_123)
    }

    /// A job for segment `index` of `run`, signed by `producer`.
    static func job(for run: SeededSecureRun, segment index: Int, precision: Precision, producer: SigningIdentity,
                    attempt: Int = 1) throws -> JobMessage {
        let segment = run.segments[index]
        let manifest = manifest(segment: index, segmentCount: run.segments.count,
                                firstLayer: segment.layers.lowerBound, layerCount: segment.layers.count,
                                modelDigest: Digest.sha256Hex(ModelCodec.encode(run.session.blindedModel)),
                                precision: precision, input: segment.input, producer: producer)
        return try JobMessage(manifest: manifest, attempt: attempt, input: segment.input, signedBy: producer)
    }

    /// A JSON object's bytes with `change` applied to its dictionary (keys sorted, like the real encoder).
    static func editedJSON(_ bytes: [UInt8], _ change: (inout [String: Any]) -> Void) -> [UInt8] {
        var object = try! JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        change(&object)
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The top-level keys of a JSON object.
    static func keys(_ bytes: [UInt8]) -> Set<String> {
        Set((try! JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]).keys)
    }

    /// A deterministic identity from a 32-byte seed.
    static func identity(seed: UInt8) -> SigningIdentity {
        SigningIdentity(privateKey: try! .init(rawRepresentation: (0..<32).map { seed &+ UInt8($0) }))
    }
}
