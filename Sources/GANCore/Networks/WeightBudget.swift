import Foundation

// A model folder's manifest says how big a network to build; its weight file says what the network
// holds. Building first and checking shapes after would let a damaged or hostile manifest (ngf 1024,
// 64 blocks: about 77 GB) allocate before anything is compared. These lower bounds on the number of
// parameters let a loader refuse such a manifest from the weight file's size alone.

extension NetworkOptions {
    /// At most the number of weights of a `ResnetGenerator` built from these options: the 3×3
    /// convolutions of the residual blocks (2 per block at 4·ngf channels) and of the two down- and
    /// up-sampling levels, and the two 7×7 end convolutions (biases and norms left out).
    public var resnetGeneratorParameterLowerBound: Int {
        let f = ngf
        let blocks = resnetBlocks * 2 * 9 * (4 * f) * (4 * f)
        let sampling = 2 * 9 * (f * 2 * f + 2 * f * 4 * f)
        let ends = 49 * f * (inputChannels + outputChannels)
        return blocks + sampling + ends
    }

    /// At most the number of weights of a `UnetGenerator` built from these options: its 4×4
    /// down-sampling convolutions (ngf, 2·ngf, 4·ngf, then 8·ngf for every further level).
    public var unetGeneratorParameterLowerBound: Int {
        let f = ngf
        var total = 16 * inputChannels * f + 16 * (f * 2 * f + 2 * f * 4 * f + 4 * f * 8 * f)
        total += 16 * max(0, unetDowns - 4) * (8 * f) * (8 * f)
        return total
    }
}

extension StateDict {
    /// Refuses the weight file `path` when it is too small to hold `parameters` weights at 16 bits
    /// each (the narrowest type GANKit reads), before a network of that size is allocated.
    /// - Throws: `WeightFileError.truncated` naming the file and both sizes, or `.io` when it
    ///   cannot be examined.
    public static func checkFile(_ path: String, canHold parameters: Int) throws(WeightFileError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .io(file: path, operation: "open", errno: errno) }
        let needed = parameters.multipliedReportingOverflow(by: 2)
        if needed.overflow || Int64(info.st_size) < Int64(needed.partialValue) {
            throw .truncated(file: path, detail: "the architecture in the manifest needs at least \(parameters) weights "
                + "(\(needed.overflow ? "more than 2^63" : String(needed.partialValue)) bytes at 16 bits), but the file has \(info.st_size) bytes")
        }
    }
}
