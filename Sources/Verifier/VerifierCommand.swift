import ArgumentParser
import Foundation
import Logging
import SecureNets
import SecureNetsAudit
import SecureNetsMessaging
import SecureNetsServices
import ServiceLifecycle

/// `securenets-verifier`: the trusted checker between the workers and the producers.
public struct VerifierCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securenets-verifier",
        abstract: "Verify every layer workers computed, audit it in PostgreSQL, and sign the replies.",
        subcommands: [Serve.self, Migrate.self, Keygen.self],
        defaultSubcommand: Serve.self
    )

    public init() {}
}

/// Options shared by the subcommands that reach PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: $SECURENETS_DATABASE_URL or the local server).")
    var databaseURL: String?

    @Option(help: "Directory of numbered SQL migrations (default: $SECURENETS_MIGRATIONS_DIR or ./migrations found upward).")
    var migrations: String?

    var resolvedURL: String { databaseURL ?? ServiceEnvironment.databaseURL }
}

extension VerifierCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Consume results, verify, audit and reply (the default).",
            discussion: """
            Applies pending migrations first. With no key flags, uses (and on first use creates) the local \
            key files in $SECURENETS_HOME/keys: verifier.key and authorized_producers (which then authorizes \
            the local producer). Refuses to start when the authorized-keys file is missing or holds no key, \
            unless --allow-no-producers is given. Exits non-zero at once on a broker error that waiting cannot \
            fix (wrong password, missing vhost, refused permission, nothing listening at start-up). \
            SIGTERM or SIGINT finishes the result in flight, then exits 0.

            Masked mode: a verifier that checks both pools (--pool both, the default) sees the data pool's \
            padded inputs and the mask pool's seeds, so it could unmask the data; run it on the user's side. \
            To keep a verifier away from the data, run one per pool: --pool data and --pool mask, each with \
            access to its own pool's results queue only. Blinded-mode results are always checked.
            """
        )

        @Option(help: "Masked-mode pools to check: data, mask or both.")
        var pool: PoolSelection = .both

        @Option(help: "Name recorded in the audit log (default: verifier-<host>).")
        var id: String?

        @Option(help: "Random vectors per layer check.")
        var rounds = 2

        @Option(help: "Results the broker may deliver ahead of the one being verified.")
        var prefetch = 1

        @Option(help: "Memory for cached models, in MiB.")
        var modelCacheMb = 1024

        @Option(help: "The verifier's Ed25519 private key file.")
        var signingKey: String?

        @Option(help: "File of producer public keys allowed to submit jobs (ed25519 <base64> [comment] per line).")
        var authorizedKeys: String?

        @Flag(help: "Start even if the authorized-keys file is missing or holds no key (every job is then rejected).")
        var allowNoProducers = false

        @Option(help: "Broker URL; repeat it (or separate URLs with commas) for the nodes of a cluster, tried in turn when one fails (default: $SECURENETS_VERIFIER_AMQP_URL, $SECURENETS_AMQP_URL, or the local broker as user securenets-verifier).")
        var amqpURL: [String] = []

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String?

        func validate() throws {
            guard rounds >= 1, rounds <= 64 else { throw ValidationError("--rounds must be between 1 and 64") }
            guard prefetch >= 1 else { throw ValidationError("--prefetch must be at least 1") }
        }

        func run() async throws {
            ServiceEnvironment.bootstrapLogging(level: logLevel)
            let logger = Logger(label: "securenets.verifier")
            let keyring = LocalKeyring()
            if signingKey == nil || authorizedKeys == nil { try keyring.ensureLocalDefaults() }
            let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
            let configuration = VerifierConfiguration(
                verifierID: id ?? "verifier-\(host.prefix(40))",
                amqpURLs: try ServiceEnvironment.amqpURLs(for: .verifier, flags: amqpURL),
                databaseURL: database.resolvedURL,
                signingKeyPath: URL(fileURLWithPath: signingKey ?? keyring.verifierPrivateKey.path),
                authorizedProducersPath: URL(fileURLWithPath: authorizedKeys ?? keyring.authorizedProducers.path),
                rounds: rounds, prefetch: prefetch, modelCacheBytes: modelCacheMb << 20, pools: pool.pools)
            try AuthorizedProducers.requireSome(at: configuration.authorizedProducersPath, allowNone: allowNoProducers,
                                                logger: logger)
            try await MigrationStep.apply(databaseURL: configuration.databaseURL, directory: database.migrations, logger: logger)
            let ledger = try PostgresLedger(url: configuration.databaseURL)
            let loop = try VerifierLoop(configuration: configuration, ledger: ledger, logger: logger)
            let service = BlockingLoopService(name: "verifier") { stop in try loop.run(until: stop) }
            let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending audit-schema migrations and exit.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            ServiceEnvironment.bootstrapLogging(level: nil)
            try await MigrationStep.apply(databaseURL: database.resolvedURL, directory: database.migrations,
                                          logger: Logger(label: "securenets.verifier"))
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the verifier's Ed25519 key pair.",
            discussion: "Writes the private key (mode 0600) and <path>.pub. Give the .pub file to producers (securenets submit --verifier-key).")

        @Option(help: "Private key path (default: $SECURENETS_HOME/keys/verifier.key).")
        var output: String?

        func run() throws {
            let path = URL(fileURLWithPath: output ?? LocalKeyring().verifierPrivateKey.path)
            let identity = try KeyFiles.create(privateKeyAt: path, comment: "verifier")
            print("private key: \(path.path)")
            print("public key:  \(KeyFiles.publicKeyURL(for: path).path)")
            print("fingerprint: \(identity.publicKey.fingerprint)")
        }
    }
}

/// `--pool` of the verifier: which masked-mode pools' results it checks.
enum PoolSelection: String, ExpressibleByArgument, CaseIterable {
    case data, mask, both

    var pools: Set<MaskedPool> {
        switch self {
        case .data: [.data]
        case .mask: [.mask]
        case .both: Set(MaskedPool.allCases)
        }
    }
}
