// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Recut",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "recut", targets: ["recut"]),
        .library(name: "RecutData", targets: ["RecutData"]),
        .library(name: "RecutCore", targets: ["RecutCore"]),
        .library(name: "RecutCPU", targets: ["RecutCPU"]),
        .library(name: "RecutTrain", targets: ["RecutTrain"]),
        .library(name: "RecutCUDA", targets: ["RecutCUDA"]),
        .library(name: "RecutServe", targets: ["RecutServe"]),
        .library(name: "RecutReport", targets: ["RecutReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The HTTP server of `recut serve`; its optional traits (swift-configuration, full Foundation) are left off.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .target(name: "CDecompress", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "RecutData", dependencies: ["CDecompress"]),
        .target(name: "RecutCore", dependencies: ["RecutData"]),
        .target(name: "CVectorKernels"),
        .target(name: "RecutCPU", dependencies: ["RecutCore", "CVectorKernels"], linkerSettings: [.linkedLibrary("dl")]),
        .target(
            name: "RecutTrain",
            dependencies: [
                "RecutCore", "RecutData",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "RecutReport"),
        .target(name: "CCUDA", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "RecutCUDA", dependencies: ["RecutCore", "CCUDA"],
                resources: [.embedInCode("Kernels")]),
        .target(
            name: "RecutServe",
            dependencies: [
                "RecutCore", "RecutData", "RecutTrain",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .executableTarget(
            name: "recut",
            dependencies: [
                "RecutData", "RecutCore", "RecutCPU", "RecutCUDA", "RecutTrain", "RecutServe", "RecutReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // What several test targets share (the fuzz tests' budget).
        .target(name: "RecutTestSupport", path: "Tests/RecutTestSupport"),
        .testTarget(
            name: "RecutDataTests",
            dependencies: [
                "RecutData", "RecutTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "RecutCoreTests", dependencies: ["RecutCore", "RecutData"]),
        .testTarget(name: "RecutCPUTests", dependencies: ["RecutCPU", "RecutCore", "RecutData", "CVectorKernels"]),
        .testTarget(name: "RecutTrainTests",
                    dependencies: ["RecutTrain", "RecutData", "RecutCore", "RecutCPU", "RecutTestSupport"]),
        .testTarget(name: "RecutServeTests", dependencies: ["RecutServe", "RecutTrain", "RecutData", "RecutCore", "RecutCPU"]),
        .testTarget(name: "RecutReportTests", dependencies: ["RecutReport", "RecutData"]),
        .testTarget(name: "RecutCUDATests", dependencies: ["RecutCUDA", "RecutCore"]),
    ]
)
