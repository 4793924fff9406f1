import Foundation
import Logging
import SecureNets

/// The producer keys the verifier accepts, re-read when the file changes so that a newly authorized
/// producer is accepted without a restart.
final class AuthorizedProducers {
    let path: URL
    private(set) var keys: [TrustedKey] = []
    private var loadedModification: Date?

    init(path: URL) throws {
        self.path = path
        try reloadIfChanged()
    }

    func reloadIfChanged() throws {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path.path))?[.modificationDate] as? Date
        guard modified != loadedModification || keys.isEmpty else { return }
        keys = FileManager.default.fileExists(atPath: path.path) ? try KeyFiles.loadTrustedKeys(at: path) : []
        loadedModification = modified
    }
}

extension AuthorizedProducers {
    /// Refuses to start a verifier that would reject every job: one whose authorized-keys file is
    /// missing or holds no key (a wrong `--authorized-keys` path, or a file not filled in yet).
    /// With `allowNone` (`--allow-no-producers`) it only warns. A file with a malformed line is
    /// refused by the loading itself.
    ///
    /// - Throws: ``NoAuthorizedProducers`` naming the path and how to fix it; `KeyFileError` for an
    ///   unreadable or malformed file.
    static func requireSome(at path: URL, allowNone: Bool, logger: Logger) throws {
        let exists = FileManager.default.fileExists(atPath: path.path)
        if exists, try !KeyFiles.loadTrustedKeys(at: path).isEmpty { return }
        let problem = NoAuthorizedProducers(path: path.path, missing: !exists)
        guard allowNone else { throw problem }
        logger.warning("\(problem.situation); starting anyway (--allow-no-producers): every job will be rejected until a key is added")
    }
}

/// A verifier asked to start with no producer it could accept.
struct NoAuthorizedProducers: Error, CustomStringConvertible {
    let path: String
    let missing: Bool

    var situation: String {
        "no authorized producers: \(path) " + (missing ? "does not exist" : "holds no key")
    }

    var description: String {
        "\(situation). Add one line per producer that may submit jobs (`securenets keygen` prints it: "
            + "ed25519 <base64 key> <name>), or pass --authorized-keys with the right file; "
            + "--allow-no-producers starts anyway (every job is then rejected)"
    }
}
