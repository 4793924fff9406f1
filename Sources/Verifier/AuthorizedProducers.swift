import Foundation
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
