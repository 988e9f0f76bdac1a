// Fuzz target `safetensors`: bytes -> SafeTensors.read(bytes:) and StateDict(bytes:) (the
// format-sniffing loader every weight file goes through). Success or a WeightFileError are
// fine. What reads must encode and read back to the same tensors.
import FuzzSupport
import GANCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    _ = try? StateDict(bytes: bytes, fileName: "<fuzz>")
    let file: SafeTensorsFile
    do { file = try SafeTensors.read(bytes: bytes, fileName: "<fuzz>") } catch { return 0 }

    for (name, tensor) in file.tensors {
        invariant(TensorData.elementCount(tensor.shape) == tensor.values.count, "\(name): shape \(tensor.shape) vs \(tensor.values.count) values")
    }
    // Encoding may refuse (reserved names, non-integral values in integer dtypes), never trap.
    guard let encoded = try? SafeTensors.encode(file.tensors, as: .f32, metadata: file.metadata) else { return 0 }
    do {
        let back = try SafeTensors.read(bytes: encoded, fileName: "<fuzz re-encoded>")
        invariant(back.metadata == file.metadata, "metadata changed in a round trip")
        invariant(back.tensors.names == file.tensors.names, "names changed in a round trip")
        for (name, tensor) in file.tensors {
            let again = back.tensors[name]!
            invariant(again.shape == tensor.shape && again.values.map(\.bitPattern) == tensor.values.map(\.bitPattern),
                      "\(name) changed in a round trip")
        }
    } catch {
        invariant(false, "cannot read back what was encoded: \(error)")
    }
    return 0
}
