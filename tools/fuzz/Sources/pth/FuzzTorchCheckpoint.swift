// Fuzz target `pth`: bytes -> TorchCheckpoint.read(bytes:) (zip checkpoints of torch >= 1.6 and
// legacy pickle streams, through the restricted unpickler), with and without a named entry, and
// StateDict(bytes:). Success or a WeightFileError are fine.
import FuzzSupport
import GANCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTorchCheckpoint(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    _ = try? StateDict(bytes: bytes, fileName: "<fuzz>")
    for entry in [nil, "state_dict", "netG"] as [String?] {
        guard let dict = try? TorchCheckpoint.read(bytes: bytes, fileName: "<fuzz>", entry: entry) else { continue }
        for (name, tensor) in dict {
            invariant(TensorData.elementCount(tensor.shape) == tensor.values.count, "\(name): shape \(tensor.shape) vs \(tensor.values.count) values")
        }
    }
    return 0
}
