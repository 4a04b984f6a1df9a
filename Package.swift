// swift-tools-version: 6.2
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOHTTP2", package: "swift-nio-http2"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
]

let package = Package(
    name: "Darwaza",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "darwaza", targets: ["darwaza"]),
        .executable(name: "darwaza-conformance-testee", targets: ["darwaza-conformance-testee"]),
        .executable(name: "darwaza-bench", targets: ["darwaza-bench"]),
        .library(name: "ProtoSchema", targets: ["ProtoSchema"]),
        .library(name: "ProtoJSON", targets: ["ProtoJSON"]),
        .library(name: "Gateway", targets: ["Gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "ProtoSchema",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(name: "ProtoJSON", dependencies: ["ProtoSchema"]),
        .target(name: "HTTPRules", dependencies: ["ProtoJSON", .product(name: "Yams", package: "Yams")]),
        .target(name: "Transcoding", dependencies: ["HTTPRules"]),
        .target(
            name: "Upstream",
            dependencies: ["Transcoding", .product(name: "NIOSSL", package: "swift-nio-ssl")] + nio
        ),
        .systemLibrary(name: "CZlib"),
        .target(
            name: "Gateway",
            dependencies: ["Upstream", "CZlib", .product(name: "Yams", package: "Yams")] + nio
        ),
        .target(name: "LoopbackGRPC", dependencies: ["Upstream"] + nio),
        .target(name: "DemoPayments", dependencies: ["LoopbackGRPC"] + nio),
        .target(
            name: "Conformance",
            dependencies: [
                "Gateway", "LoopbackGRPC", .product(name: "Yams", package: "Yams"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nio
        ),
        .executableTarget(
            name: "darwaza",
            dependencies: ["Gateway", "DemoPayments", "Conformance", .product(name: "ArgumentParser", package: "swift-argument-parser")] + nio
        ),
        .executableTarget(name: "darwaza-conformance-testee", dependencies: ["ProtoJSON"]),
        .target(name: "CMallocCounter"),
        .executableTarget(name: "darwaza-bench", dependencies: ["ProtoJSON", "CMallocCounter", "DemoPayments", "LoopbackGRPC", "HTTPRules"] + nio),
        .testTarget(
            name: "ProtoSchemaTests",
            dependencies: ["ProtoSchema", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(
            name: "ProtoJSONTests",
            dependencies: ["ProtoJSON"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(name: "HTTPRulesTests", dependencies: ["HTTPRules"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance", .product(name: "Yams", package: "Yams")]),
    ]
)
