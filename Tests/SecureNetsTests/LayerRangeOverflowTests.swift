import Foundation
import Testing
@testable import SecureNets

/// Fuzzing finding (docs/FUZZING.md, regression seeds `regression-layer-range-overflow.*`): a manifest
/// whose `first_layer` or `layer_count` is near `Int.max` passed `validate()`, and then
/// `ResultMessage.decode` (`layer_count + 1`), the verifier (`first_layer + offset + 1` for the audit
/// row's shapes, before the signature is checked) and the worker (`first_layer + layer_count`)
/// trapped on overflow: one message from anyone who can publish to the broker crashed every service
/// that took it, and, redelivered, the next one. `validate()` now bounds both by `JobManifest.maxLayers`.
@Suite struct LayerRangeOverflowTests {
    static let input = FuzzSeeds.counting(2, 3, from: 0)

    static func manifest(firstLayer: Int, layerCount: Int) -> JobManifest {
        FuzzSeeds.jobManifest(firstLayer: firstLayer, layerCount: layerCount, input: input)
    }

    @Test(arguments: [(0, Int.max), (Int.max, 1), (1 << 62, 1 << 62), (JobManifest.maxLayers + 1, 1),
                      (0, JobManifest.maxLayers + 1)])
    func layerRangesBeyondTheLimitAreInvalid(firstLayer: Int, layerCount: Int) {
        #expect(throws: ManifestError.self) { try Self.manifest(firstLayer: firstLayer, layerCount: layerCount).validate() }
    }

    @Test func theLargestAllowedRangeCanBeComputed() throws {
        let manifest = Self.manifest(firstLayer: JobManifest.maxLayers, layerCount: JobManifest.maxLayers)
        try manifest.validate()
        #expect((manifest.firstLayer..<(manifest.firstLayer + manifest.layerCount)).count + 1 == manifest.layerCount + 1)
    }

    @Test func resultClaimingIntMaxLayersIsRefusedNotACrash() throws {
        let job = try JobMessage(manifest: Self.manifest(firstLayer: 0, layerCount: Int.max), attempt: 1,
                                 input: Self.input, signedBy: FuzzSeeds.signer)
        let result = ResultMessage(job: job, outputs: [FuzzSeeds.counting(2, 4, from: 1)], workerID: "w", computeMs: 0)
        #expect(throws: ManifestError.self) { try ResultMessage.decode(result.encode()) }
    }

    @Test func jobWhoseLayerRangeOverflowsIsRefusedNotACrash() throws {
        let job = try JobMessage(manifest: Self.manifest(firstLayer: Int.max, layerCount: 2), attempt: 1,
                                 input: Self.input, signedBy: FuzzSeeds.signer)
        #expect(throws: ManifestError.self) { try JobMessage.decode(job.encode()) }
    }
}
