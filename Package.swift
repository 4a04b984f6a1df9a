// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Darwaza",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProtoSchema", targets: ["ProtoSchema"]),
        .library(name: "ProtoJSON", targets: ["ProtoJSON"]),
        .executable(name: "darwaza-conformance-testee", targets: ["darwaza-conformance-testee"]),
        .executable(name: "darwaza-bench", targets: ["darwaza-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .target(
            name: "ProtoSchema",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(name: "ProtoJSON", dependencies: ["ProtoSchema"]),
        .executableTarget(name: "darwaza-conformance-testee", dependencies: ["ProtoJSON"]),
        .target(name: "CMallocCounter"),
        .executableTarget(name: "darwaza-bench", dependencies: ["ProtoJSON", "CMallocCounter"]),
        .testTarget(name: "ProtoSchemaTests", dependencies: ["ProtoSchema"]),
        .testTarget(
            name: "ProtoJSONTests",
            dependencies: ["ProtoJSON"],
            resources: [.copy("Vectors")]
        ),
    ]
)
