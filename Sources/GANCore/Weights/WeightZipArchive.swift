// A minimal, validating reader for the zip container PyTorch writes (stored entries only).
// Format: PKWARE APPNOTE.TXT (end of central directory, zip64 records, central directory
// file headers, local file headers).

/// One stored (uncompressed) zip entry, located inside the archive's bytes.
struct WeightZipEntry {
    /// Entry name as stored (UTF-8).
    var name: String
    /// Byte offset of the entry's data within the archive.
    var dataOffset: Int
    /// Byte length of the entry's data.
    var size: Int
    /// CRC-32 recorded in the central directory.
    var crc32: UInt32
}

/// The central directory of a zip archive held in memory.
struct WeightZipArchive {
    /// Refuse archives whose entries claim more than this many bytes in total.
    static let maxTotalBytes: UInt64 = 4 << 30
    /// Refuse archives with more entries than this.
    static let maxEntries: UInt64 = 1 << 20

    let entries: [WeightZipEntry]
    private let index: [String: Int]

    /// Looks an entry up by exact name.
    func entry(named name: String) -> WeightZipEntry? { index[name].map { entries[$0] } }

    /// Parses and validates the central directory of `bytes`.
    init(bytes: [UInt8], file: String) throws(WeightFileError) {
        func corrupt(_ d: String) -> WeightFileError { .corruptArchive(file: file, detail: d) }
        let n = bytes.count
        guard n >= 22 else { throw .truncated(file: file, detail: "\(n) bytes is too short for a zip archive") }

        // End of central directory: 22 bytes + comment (<= 65535), searched from the end.
        var eocd = -1
        var p = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while p >= lowest {
            if bytes[p] == 0x50, bytes[p + 1] == 0x4B, bytes[p + 2] == 0x05, bytes[p + 3] == 0x06 {
                let commentLen = Int(bytes.weightLE(UInt16.self, at: p + 20)!)
                if p + 22 + commentLen <= n { eocd = p; break }
            }
            p -= 1
        }
        guard eocd >= 0 else { throw .truncated(file: file, detail: "no end-of-central-directory record (archive cut short?)") }
        let disk = bytes.weightLE(UInt16.self, at: eocd + 4)!
        let cdDisk = bytes.weightLE(UInt16.self, at: eocd + 6)!
        var entryCount = UInt64(bytes.weightLE(UInt16.self, at: eocd + 10)!)
        var cdSize = UInt64(bytes.weightLE(UInt32.self, at: eocd + 12)!)
        var cdOffset = UInt64(bytes.weightLE(UInt32.self, at: eocd + 16)!)
        var cdLimit = UInt64(eocd)  // the central directory must end before this offset

        // Zip64: a locator just before the EOCD points at the zip64 EOCD record.
        if eocd >= 20, bytes.weightLE(UInt32.self, at: eocd - 20) == 0x0706_4B50 {
            let z64 = bytes.weightLE(UInt64.self, at: eocd - 20 + 8)!
            guard z64 <= UInt64(eocd - 20), z64 + 56 <= UInt64(eocd - 20) else {
                throw corrupt("zip64 end-of-central-directory offset \(z64) is out of range")
            }
            let z = Int(z64)
            guard bytes.weightLE(UInt32.self, at: z) == 0x0606_4B50 else { throw corrupt("bad zip64 end-of-central-directory signature") }
            guard bytes.weightLE(UInt32.self, at: z + 16) == 0, bytes.weightLE(UInt32.self, at: z + 20) == 0 else {
                throw corrupt("multi-disk archives are not supported")
            }
            entryCount = bytes.weightLE(UInt64.self, at: z + 32)!
            cdSize = bytes.weightLE(UInt64.self, at: z + 40)!
            cdOffset = bytes.weightLE(UInt64.self, at: z + 48)!
            cdLimit = UInt64(z)
        } else {
            guard disk == 0, cdDisk == 0 else { throw corrupt("multi-disk archives are not supported") }
        }
        guard entryCount <= WeightZipArchive.maxEntries else {
            throw .limitExceeded(file: file, what: "number of zip entries", size: entryCount, limit: WeightZipArchive.maxEntries)
        }
        guard cdOffset <= cdLimit, cdSize <= cdLimit - cdOffset else {
            throw corrupt("central directory [\(cdOffset), +\(cdSize)) lies outside the archive's \(n) bytes")
        }
        guard entryCount * 46 <= cdSize else {
            throw corrupt("central directory of \(cdSize) bytes cannot hold \(entryCount) entries")
        }

        var entries: [WeightZipEntry] = []
        var index: [String: Int] = [:]
        var total: UInt64 = 0
        var q = Int(cdOffset)
        let cdEnd = Int(cdOffset + cdSize)
        for i in 0..<Int(entryCount) {
            guard q + 46 <= cdEnd, bytes.weightLE(UInt32.self, at: q) == 0x0201_4B50 else {
                throw corrupt("central directory entry \(i) at offset \(q) has a bad signature or is truncated")
            }
            let flags = bytes.weightLE(UInt16.self, at: q + 8)!
            let method = bytes.weightLE(UInt16.self, at: q + 10)!
            let crc = bytes.weightLE(UInt32.self, at: q + 16)!
            var compSize = UInt64(bytes.weightLE(UInt32.self, at: q + 20)!)
            var size = UInt64(bytes.weightLE(UInt32.self, at: q + 24)!)
            let nameLen = Int(bytes.weightLE(UInt16.self, at: q + 28)!)
            let extraLen = Int(bytes.weightLE(UInt16.self, at: q + 30)!)
            let commentLen = Int(bytes.weightLE(UInt16.self, at: q + 32)!)
            var localOffset = UInt64(bytes.weightLE(UInt32.self, at: q + 42)!)
            let next = q + 46 + nameLen + extraLen + commentLen
            guard next <= cdEnd else { throw corrupt("central directory entry \(i) runs past the directory's end") }
            guard let name = String(validating: bytes[(q + 46)..<(q + 46 + nameLen)], as: UTF8.self) else {
                throw corrupt("entry \(i) name is not valid UTF-8")
            }
            // Zip64 extended information replaces fields that hold 0xFFFFFFFF, in this order.
            var e = q + 46 + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let id = bytes.weightLE(UInt16.self, at: e)!
                let len = Int(bytes.weightLE(UInt16.self, at: e + 2)!)
                guard e + 4 + len <= extraEnd else { throw corrupt("entry '\(name)' has a truncated extra field") }
                if id == 0x0001 {
                    var f = e + 4
                    func take() throws(WeightFileError) -> UInt64 {
                        guard f + 8 <= e + 4 + len else { throw corrupt("entry '\(name)' has a short zip64 extra field") }
                        defer { f += 8 }
                        return bytes.weightLE(UInt64.self, at: f)!
                    }
                    if size == 0xFFFF_FFFF { size = try take() }
                    if compSize == 0xFFFF_FFFF { compSize = try take() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try take() }
                }
                e += 4 + len
            }
            if flags & 0x0041 != 0 { throw .compressedEntry(file: file, entry: name, method: method) }  // encrypted
            guard method == 0 else { throw .compressedEntry(file: file, entry: name, method: method) }
            guard compSize == size else {
                throw corrupt("stored entry '\(name)' has compressed size \(compSize) != size \(size)")
            }
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow, sum <= WeightZipArchive.maxTotalBytes else {
                throw .limitExceeded(file: file, what: "total size claimed by zip entries up to '\(name)' (bytes)",
                                     size: overflow ? UInt64.max : sum, limit: WeightZipArchive.maxTotalBytes)
            }
            total = sum
            // Local header and data must lie before the central directory.
            guard localOffset <= cdOffset, 30 <= cdOffset - localOffset else {
                throw corrupt("entry '\(name)' local header offset \(localOffset) is out of range")
            }
            let l = Int(localOffset)
            guard bytes.weightLE(UInt32.self, at: l) == 0x0403_4B50 else {
                throw corrupt("entry '\(name)' local header at offset \(l) has a bad signature")
            }
            let localNameLen = Int(bytes.weightLE(UInt16.self, at: l + 26)!)
            let localExtraLen = Int(bytes.weightLE(UInt16.self, at: l + 28)!)
            let dataStart = UInt64(l + 30 + localNameLen + localExtraLen)
            guard dataStart <= cdOffset, size <= cdOffset - dataStart else {
                throw corrupt("entry '\(name)' claims \(size) bytes at offset \(dataStart), past the end of the data area (\(cdOffset) bytes)")
            }
            guard index[name] == nil else { throw corrupt("duplicate entry '\(name)'") }
            index[name] = entries.count
            entries.append(WeightZipEntry(name: name, dataOffset: Int(dataStart), size: Int(size), crc32: crc))
            q = next
        }
        self.entries = entries
        self.index = index
    }
}
