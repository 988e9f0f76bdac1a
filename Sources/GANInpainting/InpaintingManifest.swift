import GANCore
import GANTraining

extension InpaintingFamily: GeneratorModelFamily {
    /// Inpainting models do not record their loss.
    public typealias Loss = Never
    /// `gankit-inpaint/1`.
    public static let modelFormat = "gankit-inpaint/1"
    /// `inpaint`.
    public static let kind = "inpaint"
    /// Why the network cannot be built, or nil.
    public static func problem(of manifest: InpaintingManifest) -> String? { manifest.configuration.problem }
}

/// `manifest.json` of an inpainting model folder (beside `generator.safetensors`).
public typealias InpaintingManifest = GeneratorModelManifest<InpaintingFamily>
