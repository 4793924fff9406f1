// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "SecureNets",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SecureNets", targets: ["SecureNets"]),
        .executable(name: "securenets", targets: ["securenets"]),
        .executable(name: "securenets-worker", targets: ["securenets-worker"]),
        .executable(name: "securenets-verifier", targets: ["securenets-verifier"]),
        .executable(name: "securenets-bench", targets: ["securenets-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages, located with pkg-config.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq",
                       providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // The verifier's float32 × float64 row kernels, in a baseline and an AVX2 + FMA version
        // chosen at run time (docs/VERIFICATION.md, "Cost").
        .target(name: "CSketchKernels", path: "Sources/CSketchKernels"),
        // Exact arithmetic mod p = 2^31 - 1 for masked mode: reduction, the producer's mask and unmask
        // passes, the verifier's matrix-vector products (docs/MASKED.md).
        .target(name: "CModP", path: "Sources/CModP"),

        // The core: math, blinding, verification, wire format, model and data import. No I/O to services.
        .target(
            name: "SecureNets",
            dependencies: [
                "COpenBLAS", "CSketchKernels", "CModP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Shared",
            exclude: ["Model/ONNX/onnx.proto"]
        ),
        // AMQP 0-9-1 client over rabbitmq-c: the only code that talks to the broker.
        .target(
            name: "SecureNetsMessaging",
            dependencies: ["CRabbitMQ", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Messaging"
        ),
        // PostgreSQL audit store over libpq, kept apart so the worker never links libpq.
        .target(
            name: "SecureNetsAudit",
            dependencies: [
                "CLibPQ", "SecureNets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Audit"
        ),
        // What every service shares: the model cache and stream reader, the blocking-loop service
        // runner, logging setup. The only place where core and broker meet.
        .target(
            name: "SecureNetsServices",
            dependencies: [
                "SecureNets", "SecureNetsMessaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Services"
        ),
        .target(
            name: "SecureNetsWorker",
            dependencies: [
                "SecureNets", "SecureNetsMessaging", "SecureNetsServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Worker"
        ),
        .target(
            name: "SecureNetsVerifier",
            dependencies: [
                "SecureNets", "SecureNetsMessaging", "SecureNetsAudit", "SecureNetsServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Verifier"
        ),
        .target(
            name: "SecureNetsProducer",
            dependencies: [
                "SecureNets", "SecureNetsMessaging", "SecureNetsAudit", "SecureNetsServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Producer"
        ),
        .executableTarget(name: "securenets", dependencies: ["SecureNetsProducer", "SecureNetsServices"],
                          path: "Sources/ProducerMain"),
        .executableTarget(name: "securenets-worker", dependencies: ["SecureNetsWorker", "SecureNetsServices"],
                          path: "Sources/WorkerMain"),
        .executableTarget(name: "securenets-verifier", dependencies: ["SecureNetsVerifier", "SecureNetsServices"],
                          path: "Sources/VerifierMain"),
        // A misbehaving worker for the pipeline tests and `make chaos`; not a product, never deployed.
        .executableTarget(
            name: "securenets-hostile-worker",
            dependencies: [
                "SecureNets", "SecureNetsMessaging", "SecureNetsServices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/HostileWorker"
        ),
        .executableTarget(
            name: "securenets-bench",
            dependencies: [
                "SecureNets", "SecureNetsServices", "SecureNetsMessaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Bench"
        ),
        .testTarget(
            name: "SecureNetsTests",
            dependencies: ["SecureNets"],
            path: "Tests/SecureNetsTests",
            resources: [.copy("Fixtures")]
        ),
        // The producer's own logic (journal, output paths, summaries): no services needed.
        .testTarget(
            name: "SecureNetsProducerTests",
            dependencies: ["SecureNetsProducer", "SecureNets"],
            path: "Tests/SecureNetsProducerTests"
        ),
        // These need the real broker and database that `make test` starts (infra/local/up).
        .testTarget(
            name: "SecureNetsMessagingTests",
            dependencies: ["SecureNetsMessaging"],
            path: "Tests/SecureNetsMessagingTests"
        ),
        // End to end: real broker, real database, the real binaries as processes.
        .testTarget(
            name: "SecureNetsPipelineTests",
            dependencies: ["SecureNets", "SecureNetsMessaging", "SecureNetsAudit", "SecureNetsServices", "SecureNetsVerifier"],
            path: "Tests/SecureNetsPipelineTests"
        ),
        // The service loops' decisions (verifier result handling, worker job plans, producer dispatch
        // scheduling) with in-memory doubles: no broker, no database.
        .testTarget(
            name: "SecureNetsDecisionTests",
            dependencies: ["SecureNets", "SecureNetsVerifier", "SecureNetsWorker", "SecureNetsProducer", "SecureNetsServices",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/SecureNetsDecisionTests"
        ),
        .testTarget(
            name: "SecureNetsAuditTests",
            dependencies: ["SecureNetsAudit"],
            path: "Tests/SecureNetsAuditTests"
        ),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer targets (docs/FUZZING.md). They exist only when SECURENETS_FUZZ=1, which scripts/fuzz/run.sh
// sets together with `--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address` and its own scratch path
// (.build-fuzz), so that a plain `swift build` / `swift test` neither sees nor builds them.
if ProcessInfo.processInfo.environment["SECURENETS_FUZZ"] == "1" {
    for name in ["fuzz-frame", "fuzz-manifest", "fuzz-onnx", "fuzz-data"] {
        package.targets.append(.executableTarget(
            name: name,
            dependencies: ["SecureNets", .product(name: "Crypto", package: "swift-crypto")],
            path: "Fuzz/\(name)"))
    }
}
