import Foundation
import GANCore
import GANImageIO
import GANTraining

/// A trained inpainting generator loaded from a model folder (`manifest.json` + `generator.safetensors`) or straight
/// from a training checkpoint folder (`state.json` and the generator file it names). Not synchronised: use from one
/// thread at a time.
public struct InpaintingModel: @unchecked Sendable {
    /// The folder it was read from.
    public let folder: String
    /// Its manifest (made from `state.json` for a checkpoint folder).
    public let manifest: InpaintingManifest
    /// The generator (in evaluation mode).
    public let generator: InpaintingGenerator

    /// Reads a model folder, or a checkpoint folder when it has no `manifest.json`. The weight file is checked to be
    /// large enough for the network the manifest describes before the network is built.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public init(folder: String) throws(TrainingFolderError) {
        let manifest: InpaintingManifest
        if FileManager.default.fileExists(atPath: "\(folder)/manifest.json") {
            manifest = try Self.readManifest(folder: folder)
        } else if FileManager.default.fileExists(atPath: "\(folder)/state.json") {
            let state = try InpaintingTrainer.readState(from: folder)
            manifest = InpaintingManifest(name: PathName(folder).lastComponent, architecture: state.configuration.architecture,
                                          configuration: state.configuration, ganWeight: state.options.ganWeight,
                                          l1Weight: state.options.l1Weight, trainingSteps: state.step,
                                          trainingSeconds: state.trainingSeconds.rounded(), batchSize: state.options.batchSize,
                                          dataset: state.dataset.map { DatasetRecord.describe($0) }, generatorFile: state.generatorFile)
        } else {
            throw .missingState(path: folder)
        }
        let configuration = manifest.configuration
        let generator = try TrainingCheckpointFolder.loadNetwork(from: "\(folder)/\(manifest.generatorFile)",
                                                                 holding: configuration.generatorParameterLowerBound) { InpaintingGenerator(cnum: configuration.cnum, using: &$0) }
        generator.eval()
        (self.folder, self.manifest, self.generator) = (folder, manifest, generator)
    }

    /// Reads and checks `manifest.json`.
    /// - Throws: `TrainingFolderError.missingState` (no manifest) or `.badState`.
    public static func readManifest(folder: String) throws(TrainingFolderError) -> InpaintingManifest {
        try ModelFolder(folder).readManifest()
    }

    /// Decodes and checks the bytes of a `manifest.json`; `path` names it in errors.
    /// - Throws: `TrainingFolderError.badState` when they are malformed, of another format or kind, or describe
    ///   an unusable network.
    public static func readManifest(bytes: [UInt8], path: String = "<memory>") throws(TrainingFolderError) -> InpaintingManifest {
        try ModelFolder.decodeManifest(bytes: bytes, path: path)
    }

    /// Writes a model folder from a trainer: the folder is built hidden beside `folder`, then renamed over it.
    /// - Throws: `TrainingFolderError.cannotWrite`.
    public static func write(_ trainer: InpaintingTrainer, name: String, dataset: String?, to folder: String) throws(TrainingFolderError) {
        let manifest = InpaintingManifest(name: name, architecture: trainer.configuration.architecture, configuration: trainer.configuration,
                                          ganWeight: trainer.options.ganWeight, l1Weight: trainer.options.l1Weight,
                                          trainingSteps: trainer.step, trainingSeconds: trainer.trainingSeconds.rounded(),
                                          batchSize: trainer.options.batchSize, dataset: dataset.map { DatasetRecord.describe($0) }, initializedFrom: trainer.initializedFrom)
        try ModelFolder(folder).write(manifest, generator: trainer.generator.stateDict(), metadata: ["step": "\(trainer.step)"])
    }

    /// `raw·m + image·(1 − m)` for `raw` and `image` [N, 3, H, W] and `mask` [N, 1, H, W]: known pixels (m = 0) are
    /// `image`'s exactly.
    public static func composite(_ raw: Tensor, over image: Tensor, mask: Tensor) -> Tensor {
        let (n, plane) = (image.shape[0], image.shape[2] * image.shape[3])
        var out = image.scalars
        for b in 0..<n { for c in 0..<3 { for p in 0..<plane where mask.scalars[b * plane + p] != 0 {
            let m = mask.scalars[b * plane + p], i = (b * 3 + c) * plane + p
            out[i] = raw.scalars[i] * m + image.scalars[i] * (1 - m)
        } } }
        return Tensor(shape: image.shape, scalars: out)
    }

    /// Fills the hole of `image` [1, 3, H, W] in [-1, 1] where `mask` [1, 1, H, W] is 1, at any H and W: both are
    /// reflect-padded (centred) to multiples of 4, run through the generator, cropped back and composited, so known
    /// pixels come back unchanged.
    /// - Throws: `InpaintingError.maskSizeMismatch` when the shapes disagree, `.invalidArgument` for a non-RGB image.
    public func inpaint(image: Tensor, mask: Tensor) throws(InpaintingError) -> Tensor {
        guard image.shape.count == 4, image.shape[0] == 1, image.shape[1] == 3 else {
            throw .invalidArgument("the image must be [1, 3, H, W], got \(image.shape)")
        }
        let (h, w) = (image.shape[2], image.shape[3])
        guard mask.shape == [1, 1, h, w] else {
            throw .maskSizeMismatch(maskWidth: mask.shape.last ?? 0, maskHeight: mask.shape.count > 2 ? mask.shape[2] : 0, imageWidth: w, imageHeight: h)
        }
        generator.eval()
        // The network input is pointwise in image and mask, so padding it equals building it from padded ones.
        let raw = TileGeometry.padded(InpaintingGenerator.input(image: image, mask: mask), toMultipleOf: InpaintingConfiguration.multiple) { x in
            withNoGrad { generator(Variable(x)) }.value
        }
        return Self.composite(raw, over: image, mask: mask)
    }

    /// Fills the hole of an image (any size; alpha kept; 8-bit out): every sample outside the hole is copied from the
    /// input unchanged, so known pixels are bit-identical.
    /// - Throws: `InpaintingError.maskSizeMismatch`, or `ImageIOError`.
    public func inpaint(_ image: Image, mask: Mask) throws -> Image {
        guard mask.width == image.width && mask.height == image.height else {
            throw InpaintingError.maskSizeMismatch(maskWidth: mask.width, maskHeight: mask.height, imageWidth: image.width, imageHeight: image.height)
        }
        let source = image.converted(to: .uint8)
        let rgb = source.converted(to: .rgb)
        let planes = rgb.colorPlanes()
        let filled = try inpaint(image: Tensor(shape: planes.shape, scalars: planes.values), mask: mask.tensor)
        let result = try Image(planes: FloatPlanes(channels: 3, height: image.height, width: image.width, values: filled.scalars),
                               alpha: source.alphaChannel())
        var out = result
        let known = source.converted(to: result.layout)
        for y in 0..<image.height { for x in 0..<image.width where !mask.isHole[y * image.width + x] {
            for c in 0..<out.channelCount { out[x: x, y: y, channel: c] = known[x: x, y: y, channel: c] }
        } }
        return out
    }
}
