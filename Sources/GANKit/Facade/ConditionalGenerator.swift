import GANTraining
import Foundation
import GANConditional

/// Problems loading or calling a `ConditionalGenerator`.
public enum ConditionalGeneratorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No model folder of that name or path (lists the models folder's entries).
    case notFound(String, folder: String, available: [String])
    /// The folder holds a model that cannot be read.
    case unreadable(String, detail: String)
    /// A label was asked of an image-conditional model, or an image of a label-conditional one.
    case wrongKind(model: String, detail: String)
    /// A label out of range, a count below 1, a bad truncation.
    case invalidArgument(String)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .notFound(name, folder, available):
            "no conditional model '\(name)' (not a model folder, nor in \(folder)); there: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .unreadable(path, detail): "\(path): \(detail)"
        case let .wrongKind(model, detail): "\(model): \(detail)"
        case let .invalidArgument(detail): detail
        }
    }
}

/// A conditional generator p(x | y) of either kind, loaded by name: y a class label (a `gantool train cgan` checkpoint
/// folder) or y an image (a pix2pix model folder: colorize, edges, A|B pairs).
///
/// Deterministic: label samples are a function of (label, count, seed, truncation); image outputs a function of the
/// image (the U-Net runs without dropout at inference, so the seed does not change them). Safe to call from several
/// threads: each model serialises its calls on a lock, as networks are not synchronised.
public final class ConditionalGenerator: @unchecked Sendable {
    /// What y is.
    public enum Kind: Sendable, Equatable {
        /// y is a class label in 0..<classCount; images are `imageSize`² squares.
        case label(classCount: Int, imageSize: Int)
        /// y is an image; the output has its size.
        case image(task: Pix2PixTask)
    }

    /// The model's kind.
    public let kind: Kind
    /// The model's folder.
    public let folder: String
    private let labelModel: LabelConditionalModel?
    private let imageJob: ImageConditionalJob?

    /// Loads a model by name from the models folder (`models`, else `$GANKIT_MODELS`, else the package's `Models/`),
    /// or from a path to its folder.
    /// - Throws: `ConditionalGeneratorError`.
    public convenience init(named nameOrPath: String, models: String? = nil) throws(ConditionalGeneratorError) {
        let root = TranslationModels.folder(explicit: models)
        let fm = FileManager.default
        for candidate in [nameOrPath, "\(root)/\(nameOrPath)"]
        where fm.fileExists(atPath: "\(candidate)/manifest.json") || fm.fileExists(atPath: "\(candidate)/state.json") {
            try self.init(folder: candidate)
            return
        }
        let entries = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        throw .notFound(nameOrPath, folder: root, available: entries)
    }

    /// Loads the model in `folder`: a pix2pix model (`manifest.json` of kind pix2pix), or a label-conditional
    /// model folder (`manifest.json` of kind label-gan) or training checkpoint (`state.json`).
    /// - Throws: `ConditionalGeneratorError.unreadable` naming the folder and the problem.
    public init(folder: String) throws(ConditionalGeneratorError) {
        self.folder = folder
        if FileManager.default.fileExists(atPath: "\(folder)/manifest.json") && !LabelGANModel.isModelFolder(folder) {
            do {
                let job = ImageConditionalJob(model: try Pix2PixModel(folder: folder))
                (imageJob, labelModel, kind) = (job, nil, .image(task: job.manifest.task ?? .pairs))
            } catch { throw .unreadable(folder, detail: error.description) }
        } else {
            do {
                let model = try LabelConditionalModel(directory: folder)
                (imageJob, labelModel, kind) = (nil, model, .label(classCount: model.classCount, imageSize: model.imageSize))
            } catch { throw .unreadable(folder, detail: "\(error)") }
        }
    }

    /// `count` images of class `label`; the same seed gives the same images. With `truncation` T, latent components
    /// beyond ±T are redrawn.
    /// - Throws: `ConditionalGeneratorError.wrongKind` for an image-conditional model, `.invalidArgument` for a label
    ///   outside 0..<classCount, a count below 1 or a truncation that is not positive.
    public func generate(label: Int, count: Int = 1, seed: UInt64 = 0, truncation: Float? = nil) throws(ConditionalGeneratorError) -> [Image] {
        guard let labelModel else { throw .wrongKind(model: folder, detail: "an image-conditional model takes an image, not a label") }
        guard (0..<labelModel.classCount).contains(label), count > 0, truncation.map({ $0 > 0 }) ?? true else {
            throw .invalidArgument("label must be in 0..<\(labelModel.classCount), count positive and truncation positive")
        }
        do { return try labelModel.images(label: label, count: count, seed: seed, truncation: truncation) } catch {
            throw .invalidArgument("\(error)")
        }
    }

    /// The output for the input image `image` (any size; the output has its size, alpha kept). A colorize model takes
    /// any photo (it is made gray first), an edges model any photo (its edges are taken first).
    /// `seed` is accepted for symmetry with `generate(label:)`: inference has no randomness.
    /// - Throws: `ConditionalGeneratorError.wrongKind` for a label-conditional model, `.invalidArgument` when the
    ///   image cannot be processed.
    public func generate(from image: Image, seed: UInt64 = 0) throws(ConditionalGeneratorError) -> Image {
        guard let imageJob else { throw .wrongKind(model: folder, detail: "a label-conditional model takes a label, not an image") }
        do { return try imageJob.translate(image) } catch { throw .invalidArgument("\(error)") }
    }
}
