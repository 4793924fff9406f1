import Foundation
import Testing
@testable import SecureNets

/// Key files on disk: private keys only ever readable by their owner, authorized-keys files that say which line
/// is wrong.
@Suite(.serialized) struct KeyFileTests {
    /// A fresh directory under the system temporary directory, removed by `cleanUp`.
    struct Scratch {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("securenets-keys-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func cleanUp() { try? FileManager.default.removeItem(at: directory) }
    }

    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! NSNumber).intValue & 0o777
    }

    static func chmod(_ url: URL, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    @Test func createWritesAnOwnerOnlyPrivateKeyAndItsPublicKey() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("nested/dir/producer.key")
        let identity = try KeyFiles.create(privateKeyAt: url, comment: "producer@lab")
        #expect(try Self.mode(url) == 0o600)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix("securenets-ed25519-private ") && text.hasSuffix("\n"))
        let publicURL = KeyFiles.publicKeyURL(for: url)
        #expect(publicURL.lastPathComponent == "producer.key.pub")
        let line = try String(contentsOf: publicURL, encoding: .utf8)
        #expect(line == "ed25519 \(identity.privateKey.publicKey.rawRepresentation.base64EncodedString()) producer@lab\n")
        #expect(try KeyFiles.loadTrustedKeys(at: publicURL) == [identity.publicKey])
        #expect(try KeyFiles.loadTrustedKeys(at: publicURL).first?.comment == "producer@lab")
    }

    @Test func createRefusesToOverwrite() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("verifier.key")
        _ = try KeyFiles.create(privateKeyAt: url, comment: "")
        let before = try Data(contentsOf: url)
        do {
            _ = try KeyFiles.create(privateKeyAt: url, comment: "")
            Issue.record("overwrote an existing key")
        } catch let error as KeyFileError {
            #expect(error.problem.contains("already exists") && error.path == url.path, "\(error)")
        }
        #expect(try Data(contentsOf: url) == before, "the existing key changed")
    }

    @Test func loadedKeySignsWhatThePublicKeyVerifies() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("p.key")
        let created = try KeyFiles.create(privateKeyAt: url, comment: "p")
        let loaded = try KeyFiles.loadPrivateKey(at: url)
        #expect(loaded.publicKey == created.publicKey)
        let message = Array(#"{"job_id":"x"}"#.utf8)
        let trusted = try KeyFiles.loadTrustedKeys(at: KeyFiles.publicKeyURL(for: url))
        #expect(trusted[0].isValidSignature(try loaded.sign(message), for: message))
        #expect(!trusted[0].isValidSignature(try loaded.sign(message), for: message + [0x20]))
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o666, 0o660])
    func refusesAPrivateKeyOthersCanRead(mode: Int) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("k.key")
        _ = try KeyFiles.create(privateKeyAt: url, comment: "")
        try Self.chmod(url, mode)
        do {
            _ = try KeyFiles.loadPrivateKey(at: url)
            Issue.record("loaded a key with mode \(String(mode, radix: 8))")
        } catch let error as KeyFileError {
            #expect(error.problem.contains("readable by others"), "\(error)")
        }
        try Self.chmod(url, 0o400)
        #expect(throws: Never.self) { _ = try KeyFiles.loadPrivateKey(at: url) }
    }

    @Test func refusesMissingAndMalformedPrivateKeys() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        #expect(throws: KeyFileError.self) { _ = try KeyFiles.loadPrivateKey(at: scratch.url("absent.key")) }
        let contents = [
            "securenets-ed25519-private",
            "securenets-ed25519-private not-base64!",
            "securenets-ed25519-private \(Data(repeating: 1, count: 31).base64EncodedString())",
            "ed25519 \(Data(repeating: 1, count: 32).base64EncodedString())",
            "securenets-ed25519-private \(Data(repeating: 1, count: 32).base64EncodedString()) extra",
        ]
        for (index, text) in contents.enumerated() {
            let url = scratch.url("bad\(index).key")
            try Data(text.utf8).write(to: url)
            try Self.chmod(url, 0o600)
            #expect(throws: KeyFileError.self, "\(text)") { _ = try KeyFiles.loadPrivateKey(at: url) }
        }
    }

    @Test func authorizedKeysWithCommentsBlankLinesAndAnnotations() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let a = SampleJobs.identity(seed: 1).privateKey.publicKey.rawRepresentation.base64EncodedString()
        let b = SampleJobs.identity(seed: 2).privateKey.publicKey.rawRepresentation.base64EncodedString()
        let url = scratch.url("authorized_keys")
        try Data("""
            # producers allowed to submit jobs

            ed25519 \(a) hospital producer (ward 3)
              # indented comment
              ed25519 \(b)

            """.utf8).write(to: url)
        let keys = try KeyFiles.loadTrustedKeys(at: url)
        #expect(keys == [SampleJobs.identity(seed: 1).publicKey, SampleJobs.identity(seed: 2).publicKey])
        #expect(keys.map(\.comment) == ["hospital producer (ward 3)", ""])
    }

    @Test(arguments: [
        "rsa AAAA",
        "ed25519",
        "ed25519 !!!notbase64",
        "ed25519 \(Data(repeating: 7, count: 31).base64EncodedString())",
    ])
    func badLineIsNamed(line: String) throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let good = SampleJobs.identity(seed: 3).publicKey.authorizedKeyLine
        let url = scratch.url("authorized_keys")
        try Data("# comment\n\(good)\n\n\(line)\n\(good)\n".utf8).write(to: url)
        do {
            _ = try KeyFiles.loadTrustedKeys(at: url)
            Issue.record("accepted the line '\(line)'")
        } catch let error as KeyFileError {
            #expect(error.problem.contains("line 4"), "\(error)")
        }
    }

    /// Files edited on Windows end their lines with CR LF; each line must still parse.
    @Test func authorizedKeysWithCRLFLineEndings() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("authorized_keys")
        let one = SampleJobs.identity(seed: 4).publicKey, two = SampleJobs.identity(seed: 5).publicKey
        try Data("# trusted\r\n\(one.authorizedKeyLine)\r\n\(two.authorizedKeyLine) second\r\n".utf8).write(to: url)
        let keys = try KeyFiles.loadTrustedKeys(at: url)
        #expect(keys == [one, two])
        #expect(keys.map(\.comment) == ["", "second"])
    }

    @Test func authorizeAppendsOnce() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("trusted")
        let one = SampleJobs.identity(seed: 6).publicKey, two = SampleJobs.identity(seed: 7).publicKey
        try KeyFiles.authorize(one, in: url)
        try KeyFiles.authorize(two, in: url)
        try KeyFiles.authorize(one, in: url)
        #expect(try KeyFiles.loadTrustedKeys(at: url) == [one, two])
    }

    /// A hand-edited file often lacks its final newline: the new key must start a line of its own.
    @Test func authorizeAfterAMissingFinalNewline() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let url = scratch.url("trusted")
        let one = SampleJobs.identity(seed: 8).publicKey, two = SampleJobs.identity(seed: 9).publicKey
        try Data("\(one.authorizedKeyLine) first".utf8).write(to: url)
        try KeyFiles.authorize(two, in: url)
        let keys = try KeyFiles.loadTrustedKeys(at: url)
        #expect(keys == [one, two])
        #expect(keys.map(\.comment) == ["first", ""])
    }

    /// The private key is never on disk with wider permissions, not even between creating and chmod-ing the
    /// file: with a permissive umask, the file must be born 0600 (checked by watching the directory while
    /// keys are created).
    @Test func privateKeyIsNeverReadableByOthers() async throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let previous = umask(0)
        defer { umask(previous) }
        let directory = scratch.directory
        let watcher = Task.detached { () -> [String] in
            var exposed: [String] = []
            while !Task.isCancelled {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
                where !name.hasSuffix(".pub") {
                    var info = stat()
                    if stat(directory.appendingPathComponent(name).path, &info) == 0, info.st_mode & 0o077 != 0 {
                        exposed.append("\(name) mode \(String(info.st_mode & 0o777, radix: 8))")
                    }
                }
            }
            return exposed
        }
        for index in 0..<100 {
            _ = try KeyFiles.create(privateKeyAt: scratch.url("k\(index).key"), comment: "")
        }
        watcher.cancel()
        let exposed = await watcher.value
        #expect(exposed.count == 0, "private key files seen readable by others: \(exposed.prefix(5))")
        for index in 0..<100 { #expect(try Self.mode(scratch.url("k\(index).key")) == 0o600) }
    }
}
