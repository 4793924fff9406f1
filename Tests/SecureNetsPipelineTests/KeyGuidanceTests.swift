import Foundation
import SecureNets
import Testing

/// A user whose keys do not match the running verifier is told what to do, instead of waiting on
/// "0/1 batches verified" for ever.
@Suite("Key guidance", .serialized)
struct KeyGuidanceTests {
    /// Runs `submit` on the sample; returns its status, stderr and the job id it announced.
    static func submit(_ cluster: PipelineCluster, _ extra: [String]) throws -> (status: Int32, stderr: String, jobID: String) {
        let run = try cluster.securenets(["submit", "--model", RepositoryPaths.sampleModel.path,
                                          "--input", RepositoryPaths.sampleInputs.path,
                                          "--output", cluster.home.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).npy").path,
                                          "--timeout", "60", "--privacy", "blinded"] + extra, timeout: 120)
        let line = run.stderr.split(separator: "\n").first { $0.hasPrefix("job ") } ?? ""
        return (run.status, run.stderr, String(line.dropFirst(4).prefix(while: { $0 != ":" })))
    }

    @Test func anUnauthorizedProducerIsToldWhichLineToAuthorize() throws {
        let cluster = try PipelineCluster(name: "unauthorized", workers: 1)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        let stranger = cluster.home.appendingPathComponent("stranger.key")
        let keygen = try cluster.securenets(["keygen", "--output", stranger.path])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        // The key itself (the comment of the .pub file may differ).
        let line = try KeyFiles.loadTrustedKeys(at: KeyFiles.publicKeyURL(for: stranger)).first
            .map { "ed25519 " + $0.publicKey.rawRepresentation.base64EncodedString() }
        let job = try Self.submit(cluster, ["--producer-key", stranger.path])
        #expect(job.status == 3, "stopped, not failed or hung: \(job.stderr)")
        #expect(job.stderr.contains("does not accept this producer's key"), "\(job.stderr)")
        #expect(line.map { job.stderr.contains($0) } == true, "the message holds the line to authorize: \(job.stderr)")
        #expect(!job.jobID.isEmpty && job.stderr.contains("securenets collect \(job.jobID)"), "\(job.stderr)")
    }

    @Test func repliesFromAnUntrustedVerifierKeyAreExplained() throws {
        let cluster = try PipelineCluster(name: "untrusted", workers: 1)
        defer { cluster.shutdown() }
        try cluster.waitForTopology()
        // A user with another verifier's public key, e.g. a fresh SECURENETS_HOME.
        let other = cluster.home.appendingPathComponent("other-verifier.key")
        _ = try KeyFiles.create(privateKeyAt: other, comment: "other")
        let job = try Self.submit(cluster, ["--verifier-key", KeyFiles.publicKeyURL(for: other).path, "--timeout", "8"])
        #expect(job.status == 3, "\(job.stderr)")
        #expect(job.stderr.contains("replies are signed by verifier '\(cluster.verifierID)'"), "\(job.stderr)")
        #expect(job.stderr.contains("--verifier-key"), "it says which flag fixes it: \(job.stderr)")
    }
}
