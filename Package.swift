// swift-tools-version:6.1
import PackageDescription

// One module per stage; dependencies flow one way:
// CZlib/CRdKafka -> ParapetKafka ; ParapetCore -> ParapetDetect -> ParapetSession -> ParapetAlerts
// -> ParapetPipeline -> ParapetCLI -> parapet
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "parapet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parapet", targets: ["parapet"]),
        .library(name: "ParapetCore", targets: ["ParapetCore"]),
        .library(name: "ParapetDetect", targets: ["ParapetDetect"]),
        .library(name: "ParapetPipeline", targets: ["ParapetPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),

        .target(name: "ParapetCore", swiftSettings: strict),
        .target(
            name: "ParapetDetect",
            dependencies: ["ParapetCore", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        .target(
            name: "ParapetSession",
            dependencies: ["ParapetCore", "ParapetDetect", .product(name: "Yams", package: "Yams")],
            resources: [.copy("Resources")],
            swiftSettings: strict),
        .target(name: "ParapetAlerts", dependencies: ["ParapetCore"], swiftSettings: strict),
        .target(
            name: "ParapetKafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "ParapetPipeline",
            dependencies: [
                "ParapetCore", "ParapetDetect", "ParapetSession", "ParapetAlerts", "ParapetKafka", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "ParapetCLI",
            dependencies: [
                "ParapetPipeline", "ParapetKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "parapet",
            dependencies: ["ParapetCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        .testTarget(name: "ParapetCoreTests", dependencies: ["ParapetCore"], swiftSettings: strict),
        .testTarget(name: "ParapetDetectTests", dependencies: ["ParapetDetect"], swiftSettings: strict),
        .testTarget(name: "ParapetSessionTests", dependencies: ["ParapetSession"], swiftSettings: strict),
        .testTarget(name: "ParapetAlertsTests", dependencies: ["ParapetAlerts", "ParapetCore"], swiftSettings: strict),
        .testTarget(
            name: "ParapetPipelineTests",
            dependencies: ["ParapetPipeline", "ParapetCLI"],
            swiftSettings: strict),
        .testTarget(name: "ParapetKafkaTests", dependencies: ["ParapetKafka", "ParapetPipeline"], swiftSettings: strict),
    ]
)
