// swift-tools-version:6.0
// ICRL — in-context reinforcement learning with a small transformer, trained by
// distributed DQN (Swift actors and learner over ZeroMQ + protobuf-c, OpenBLAS).
import Foundation
import PackageDescription

/// `ICRL_TARGET_CPU=haswell swift build -c release` compiles the NN kernels for that CPU
/// (AVX2 + FMA for haswell; see `swiftc -target-cpu help`). Unset, the build runs on any
/// x86-64 or arm64 machine. A binary built for a CPU crashes on an older one.
let targetCPU = ProcessInfo.processInfo.environment["ICRL_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
let kernelSettings: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

let package = Package(
    name: "ICRL",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "icrl", targets: ["icrl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // Prometheus exposition (registry and text format) and the HTTP server for /metrics.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: System libraries, found through pkg-config.
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"]), .brew(["zeromq"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"]), .brew(["protobuf-c"])]
        ),
        // Open MPI: the data-parallel learner's allreduce (`mpirun -np N icrl learner`).
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]
        ),
        // MARK: Generated wire code (protoc-c output of Proto/icrl.proto, committed).
        .target(name: "ICRLWire", dependencies: ["CProtobufC"]),

        // MARK: Swift modules.
        .target(name: "FrozenLake"),
        .target(name: "Evaluation", dependencies: ["FrozenLake", "DQN", "NN"]),
        // C kernels (GEMMs, attention, GELU, LayerNorm, rotary, decode attention), one source
        // compiled for AVX-512 and for AVX2 + FMA, chosen at run time by NN.
        // Optimised in debug builds too, so `swift test` checks the code that ships.
        .target(name: "CNNKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "NN", dependencies: ["COpenBLAS", "CNNKernels"], swiftSettings: kernelSettings),
        .target(name: "DQN", dependencies: ["NN", "FrozenLake", .product(name: "DequeModule", package: "swift-collections")]),
        .target(name: "Collective", dependencies: ["CMPI"]),
        .target(
            name: "Cluster",
            dependencies: [
                "DQN", "NN", "FrozenLake", "Transport", "CZeroMQ", "Collective", .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // Prometheus exposition over HTTP; apart from Cluster so its users need no SwiftNIO.
        .target(
            name: "Monitoring",
            dependencies: [
                "Cluster", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(name: "Transport", dependencies: ["CZeroMQ", "ICRLWire", "CProtobufC"]),
        .target(name: "InContextSARSA", dependencies: ["NN", "FrozenLake"]),
        .executableTarget(
            name: "icrl",
            dependencies: [
                "FrozenLake", "NN", "Transport", "DQN", "Cluster", "Monitoring", "Evaluation", "InContextSARSA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests.
        .testTarget(name: "TransportTests", dependencies: ["Transport", "ICRLWire", "CZeroMQ"]),
        .testTarget(name: "DQNTests", dependencies: ["DQN", "FrozenLake"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Monitoring", "DQN", "Transport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "COpenBLAS", "CNNKernels"]),
        .testTarget(name: "FrozenLakeTests", dependencies: ["FrozenLake"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "FrozenLake", "DQN", "NN"]),
        .testTarget(name: "InContextSARSATests", dependencies: ["InContextSARSA", "NN", "FrozenLake"]),
    ]
)

/// `ICRL_FUZZ=1` adds the libFuzzer targets: the wire decode-and-validate path
/// (`Fuzz/WireFuzz`), the stateful chunks → replay → tokens path (`Fuzz/ReplayFuzz`), and
/// the files users share — checkpoints, run configs, replay snapshots (`Fuzz/FileFuzz`);
/// scripts/fuzz.sh builds them with the sanitizer flags they need.
if ProcessInfo.processInfo.environment["ICRL_FUZZ"] == "1" {
    package.products.append(.executable(name: "icrl-fuzz", targets: ["icrl-fuzz"]))
    package.targets.append(.executableTarget(name: "icrl-fuzz", dependencies: ["Transport"], path: "Fuzz/WireFuzz"))
    package.products.append(.executable(name: "icrl-fuzz-replay", targets: ["icrl-fuzz-replay"]))
    package.targets.append(.executableTarget(name: "icrl-fuzz-replay", dependencies: ["Cluster", "DQN", "Transport"], path: "Fuzz/ReplayFuzz"))
    package.products.append(.executable(name: "icrl-fuzz-files", targets: ["icrl-fuzz-files"]))
    package.targets.append(.executableTarget(name: "icrl-fuzz-files", dependencies: ["DQN", "NN"], path: "Fuzz/FileFuzz"))
}
