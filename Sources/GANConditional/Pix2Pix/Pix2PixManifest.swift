import GANCore
import GANTraining

extension Pix2PixFamily: GeneratorModelFamily {
    /// The adversarial loss a pix2pix model records.
    public typealias Loss = ConditionalLoss
    /// `gankit-pix2pix-model/1`.
    public static let modelFormat = "gankit-pix2pix-model/1"
    /// `pix2pix`.
    public static let kind = "pix2pix"
    /// Why the networks cannot be built, or the task is missing or disagrees with the network's input channels.
    public static func problem(of manifest: Pix2PixManifest) -> String? {
        if let problem = manifest.configuration.problem { return problem }
        guard let task = manifest.task else { return "no task" }
        guard manifest.configuration.inputChannels == task.inputChannels else {
            return "task \(task.rawValue) takes \(task.inputChannels) input channels, the network \(manifest.configuration.inputChannels)"
        }
        return nil
    }
}

/// `manifest.json` of a pix2pix model folder (beside `generator.safetensors`).
public typealias Pix2PixManifest = GeneratorModelManifest<Pix2PixFamily>
