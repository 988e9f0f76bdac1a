// swift-tools-version:5.4
// libFuzzer targets for GANKit's readers (reliability issue 8): a package of its own, not built
// by CI. tools/fuzz.sh builds it with the sanitizer flags on the command line:
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library ...
// Each executable target holds only an `LLVMFuzzerTestOneInput`; libFuzzer supplies `main`.
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point to
// `<target>_main` on Linux, which a module without `main` (the libFuzzer way) cannot provide.
import PackageDescription

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "GANKit") })
}

let package = Package(
    name: "GANKitFuzz",
    dependencies: [
        .package(name: "GANKit", path: "../.."),
    ],
    targets: [
        // Input bytes, decode limits, invariant checks.
        .target(name: "FuzzSupport", dependencies: [.product(name: "GANImageIO", package: "GANKit")]),
        fuzzTarget("image", ["GANImageIO"]),
        fuzzTarget("mask", ["GANImageIO", "GANKit"]),
        fuzzTarget("safetensors", ["GANCore"]),
        fuzzTarget("pth", ["GANCore"]),
        fuzzTarget("manifest", ["GANCore", "GANTranslation", "GANConditional"]),
    ]
)
