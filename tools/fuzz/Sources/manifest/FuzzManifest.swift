// Fuzz target `manifest`: bytes -> the two model manifests GANKit reads: a translation model's
// `manifest.json` (TranslationManifest(jsonBytes:path:), what TranslationModel(folder:) and
// `gantool models`/`translate` use) and a conditional checkpoint's `state.json`
// (ConditionalGANTrainer.readState(bytes:path:), what LabelConditionalModel and `gantool
// generate` use), each with its validation. Success or a CheckpointError are fine; what is
// accepted must survive an encode/decode round trip.
import Foundation
import FuzzSupport
import GANConditional
import GANTranslation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    if let manifest = try? TranslationManifest(jsonBytes: bytes, path: "<fuzz>") {
        _ = manifest.options.generatorOptions
        if let encoded = try? JSONEncoder().encode(manifest) {
            let back = try? TranslationManifest(jsonBytes: Array(encoded), path: "<fuzz re-encoded>")
            invariant(back == manifest, "translation manifest round trip")
        }
    }
    if let state = try? ConditionalGANTrainer.readState(bytes: bytes, path: "<fuzz>") {
        invariant(state.configuration.problem == nil, "an invalid configuration was accepted")
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
