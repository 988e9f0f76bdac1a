// swift-tools-version:6.0
// GANKit: conditional-GAN image synthesis on CPU, in Swift.
// Module map and dependency direction: docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "GANKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GANKit", targets: ["GANKit"]),
        .library(name: "GANImageIO", targets: ["GANImageIO"]),
        .library(name: "GANCore", targets: ["GANCore"]),
        .library(name: "GANTranslation", targets: ["GANTranslation"]),
        .library(name: "GANConditional", targets: ["GANConditional"]),
        .library(name: "GANInpainting", targets: ["GANInpainting"]),
        .library(name: "GANTraining", targets: ["GANTraining"]),
        .executable(name: "gantool", targets: ["gantool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System-library shims: each wraps one C library and contains its error paths
        // (setjmp/longjmp) so that Swift never unwinds through C.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("openblas")]),
        // Open MPI's collectives for `--distributed` training, loaded at run time (dlopen): MPI stays optional.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Platform tuning and C kernels GANCore calls.
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("z")]),

        // Paths split and joined as text (no Foundation path methods), for every module above.
        .target(name: "GANPaths"),
        .target(name: "GANImageIO", dependencies: ["CPNG", "CJPEG", "GANPaths"]),
        .target(name: "GANCore", dependencies: ["CBLAS", "CKernels", "CMPI", "GANPaths"]),
        // The one training loop (signals, checkpoints, loss log and curve, NaN policy) every trainer plugs into.
        .target(name: "GANTraining", dependencies: ["GANCore", "GANImageIO"]),
        // The model families: each sees GANCore, GANImageIO and GANTraining, never each other.
        .target(name: "GANTranslation", dependencies: ["GANCore", "GANImageIO", "GANTraining"]),
        .target(name: "GANConditional", dependencies: ["GANCore", "GANImageIO", "GANTraining"]),
        .target(name: "GANInpainting", dependencies: ["GANCore", "GANImageIO", "GANTraining"]),
        .target(name: "GANKit", dependencies: ["GANImageIO", "GANCore", "GANTranslation", "GANConditional", "GANInpainting", "GANTraining"]),
        .executableTarget(
            name: "gantool",
            dependencies: ["GANKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "GANImageIOTests", dependencies: ["GANImageIO", "GANPaths"]),
        .testTarget(name: "GANCoreTests", dependencies: ["GANCore"]),
        .testTarget(name: "GANTranslationTests", dependencies: ["GANTranslation", "GANTraining"]),
        .testTarget(name: "GANConditionalTests", dependencies: ["GANConditional", "GANTraining"]),
        .testTarget(name: "GANInpaintingTests", dependencies: ["GANInpainting", "GANTraining"]),
        .testTarget(name: "GANKitTests", dependencies: ["GANKit"]),
    ]
)
