// Fuzz target `manifest`: bytes -> the model manifests GANKit reads: a translation model's
// `manifest.json` (TranslationManifest(jsonBytes:path:), what TranslationModel(folder:) and
// `gantool models`/`translate` use), a pix2pix model's `manifest.json`
// (Pix2PixModel.readManifest(bytes:path:), what `gantool models` and `generate --from` use) and a
// conditional checkpoint's `state.json` (ConditionalGANTrainer.readState(bytes:path:), what
// LabelConditionalModel and `gantool generate` use), each with its validation. Success or a CheckpointError are fine; what is
// accepted must survive an encode/decode round trip, and when its networks are small, they are
// built as `gantool translate` and `generate` build them (a manifest that passes validation must
// not trap there).
import Foundation
import FuzzSupport
import GANConditional
import GANCore
import GANTranslation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    if let manifest = try? TranslationManifest(jsonBytes: bytes, path: "<fuzz>") {
        let options = manifest.options
        if options.ngf <= 4, options.resnetBlocks <= 2 {
            var rng = SeededGenerator(seed: 0)
            _ = ResnetGenerator(options: options.generatorOptions, using: &rng)
        }
        if let encoded = try? JSONEncoder().encode(manifest) {
            let back = try? TranslationManifest(jsonBytes: Array(encoded), path: "<fuzz re-encoded>")
            invariant(back == manifest, "translation manifest round trip")
        }
    }
    if let manifest = try? Pix2PixModel.readManifest(bytes: bytes, path: "<fuzz>") {
        let c = manifest.configuration
        invariant(c.problem == nil && c.inputChannels == manifest.task.inputChannels, "an invalid pix2pix manifest was accepted")
        if c.ngf <= 2, c.depth <= 6 {
            var rng = SeededGenerator(seed: 0)
            _ = UnetGenerator(options: c.generatorOptions, using: &rng)
        }
        if let encoded = try? JSONEncoder().encode(manifest) {
            let back = try? Pix2PixModel.readManifest(bytes: Array(encoded), path: "<fuzz re-encoded>")
            invariant(back == manifest, "pix2pix manifest round trip")
        }
    }
    if let state = try? ConditionalGANTrainer.readState(bytes: bytes, path: "<fuzz>") {
        let c = state.configuration
        invariant(c.problem == nil, "an invalid configuration was accepted")
        if c.imageSize <= 16, c.channels <= 4, c.classCount <= 16, c.latentSize <= 16, c.generatorWidth <= 4, c.discriminatorWidth <= 4 {
            var rng = SeededGenerator(seed: 0)
            _ = ConditionalGenerator(configuration: c, using: &rng)
            _ = ConditionalDiscriminator(configuration: c, using: &rng)
        }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let encoded = try? encoder.encode(state), let back = try? ConditionalGANTrainer.readState(bytes: Array(encoded), path: "<fuzz>") {
            invariant(back.step == state.step && back.configuration == state.configuration, "conditional state round trip")
        } else {
            invariant(false, "an accepted state.json does not encode and read back")
        }
    }
    return 0
}
