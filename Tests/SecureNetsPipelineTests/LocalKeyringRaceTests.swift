import Foundation
import SecureNets
import SecureNetsServices
import Testing

/// First use from several processes at once (a verifier and `submit` started together) must end
/// with one key pair of each kind that every caller uses, and one authorized line.
@Suite("Local keyring first use")
struct LocalKeyringRaceTests {
    @Test func concurrentFirstUseEndsWithOneKeyPair() throws {
        for _ in 0..<20 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securenets-keyring-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let keyring = LocalKeyring(directory: directory)
            let callers = 8
            let outcomes = Outcomes()
            DispatchQueue.concurrentPerform(iterations: callers) { _ in
                outcomes.append(Result { try keyring.ensureLocalDefaults() })
            }
            let seen = outcomes.keys, failures = outcomes.failures
            #expect(failures.isEmpty, "\(failures)")
            #expect(seen.count == callers)
            #expect(Set(seen.map(\.producer.fingerprint)).count == 1)
            #expect(Set(seen.map(\.verifier.fingerprint)).count == 1)
            let first = try #require(seen.first)
            #expect(try KeyFiles.loadPrivateKey(at: keyring.producerPrivateKey).publicKey == first.producer)
            #expect(try KeyFiles.loadPrivateKey(at: keyring.verifierPrivateKey).publicKey == first.verifier)
            #expect(try KeyFiles.loadTrustedKeys(at: KeyFiles.publicKeyURL(for: keyring.producerPrivateKey)) == [first.producer])
            #expect(try KeyFiles.loadTrustedKeys(at: keyring.verifierPublicKey) == [first.verifier])
            let authorized = try String(contentsOf: keyring.authorizedProducers, encoding: .utf8)
            #expect(authorized == first.producer.authorizedKeyLine + "\n")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(files == ["authorized_producers", "producer.key", "producer.key.pub", "verifier.key", "verifier.key.pub"],
                    "no temporary file is left behind")
        }
    }
}

/// What concurrent callers got, collected under a lock.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<LocalKeyring.PublicKeys, Error>] = []

    func append(_ result: Result<LocalKeyring.PublicKeys, Error>) { lock.withLock { results.append(result) } }
    var keys: [LocalKeyring.PublicKeys] { lock.withLock { results.compactMap { try? $0.get() } } }
    var failures: [String] {
        lock.withLock {
            results.compactMap { result in
                if case .failure(let error) = result { return "\(error)" }
                return nil
            }
        }
    }
}
