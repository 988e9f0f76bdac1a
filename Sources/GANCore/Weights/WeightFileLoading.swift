// Format sniffing: load a state dict without caring which supported format a file uses.

extension StateDict {
    /// Loads a state dict from a safetensors file or a PyTorch checkpoint (zip or legacy), chosen by the
    /// file's leading bytes (not its extension). safetensors `__metadata__` is dropped; use
    /// ``SafeTensors/read(contentsOf:)`` to keep it.
    /// - Throws: ``WeightFileError`` naming the file.
    public init(contentsOf path: String) throws(WeightFileError) {
        let bytes = try WeightFileIO.readAll(path, limit: Swift.max(SafeTensors.maxFileBytes, TorchCheckpoint.maxFileBytes))
        try self.init(bytes: bytes, fileName: path)
    }

    /// Loads a state dict from the bytes of a safetensors file or a PyTorch checkpoint (zip or legacy).
    /// - Throws: ``WeightFileError`` naming `fileName`.
    public init(bytes: [UInt8], fileName: String = "<memory>") throws(WeightFileError) {
        // A safetensors JSON header starts at byte 8 with '{'; in a zip that byte is the
        // first entry's compression method (0 or 8), so the two cannot be confused.
        let looksLikeSafeTensors = bytes.count >= 9 && bytes[8] == UInt8(ascii: "{")
        let isZip = bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B
        if !looksLikeSafeTensors, isZip || TorchCheckpoint.isLegacy(bytes) {
            self = try TorchCheckpoint.read(bytes: bytes, fileName: fileName)
        } else {
            self = try SafeTensors.read(bytes: bytes, fileName: fileName).tensors
        }
    }
}
