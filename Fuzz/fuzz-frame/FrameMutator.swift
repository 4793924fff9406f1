import SecureNets

/// libFuzzer's own byte-level mutator, for the custom mutator below to call.
@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// Structure-aware mutation for the frame target. Plain byte mutations almost never get past the
/// length fields of a frame: inserting one byte into the manifest shifts everything after it. So half
/// the time a frame that decodes has one part mutated by libFuzzer — the manifest JSON, the metadata
/// JSON, the values of one tensor, or the blob — or a tensor dropped or repeated, or an integer of the
/// manifest or metadata set to an extreme value, and is re-encoded
/// with correct lengths; the other half (and for anything that does not decode) libFuzzer mutates
/// the raw bytes, which keeps exercising the decoder's own checks.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateFrame(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    var choice = FrameMutationChoice(seed: seed)
    guard choice.next(2) == 0, var frame = try? FrameCodec.decode(Array(UnsafeBufferPointer(start: data, count: size)))
    else { return libFuzzerMutate(data, size, maxSize) }
    switch choice.next(7) {
    case 0: frame.manifest = mutated(frame.manifest)
    case 1: frame.metadata = mutated(frame.metadata)
    case 6:
        if choice.next(2) == 0 {
            frame.manifest = withExtremeInteger(frame.manifest, using: &choice)
        } else {
            frame.metadata = withExtremeInteger(frame.metadata, using: &choice)
        }
    case 2, 3:
        guard !frame.tensors.isEmpty else { return libFuzzerMutate(data, size, maxSize) }
        let index = choice.next(frame.tensors.count)
        let tensor = frame.tensors[index]
        let bytes = tensor.elements.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        var values = mutated(bytes)
        values = Array((values + [UInt8](repeating: 0, count: bytes.count)).prefix(bytes.count))
        let elements = stride(from: 0, to: values.count, by: 4).map { offset in
            Float(bitPattern: values[offset..<(offset + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        frame.tensors[index] = Matrix(rows: tensor.rows, columns: tensor.columns, elements: elements)
    case 4:
        guard !frame.tensors.isEmpty else { return libFuzzerMutate(data, size, maxSize) }
        let index = choice.next(frame.tensors.count)
        if choice.next(2) == 0 { frame.tensors.remove(at: index) } else { frame.tensors.insert(frame.tensors[index], at: index) }
    default: frame.blob = mutated(frame.blob)
    }
    let encoded = FrameCodec.encode(frame)
    guard encoded.count <= maxSize else { return libFuzzerMutate(data, size, maxSize) }
    encoded.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: encoded.count) }
    return encoded.count
}

/// `json` with one of its integer values replaced by an extreme one (the edges of `Int`, of 32 bits,
/// zero, −1): counts, indices and sizes are where overflows hide, and byte mutations rarely produce
/// a valid 19-digit number.
private func withExtremeInteger(_ json: [UInt8], using choice: inout FrameMutationChoice) -> [UInt8] {
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    // Where a number value starts: a digit or '-' right after ':'.
    let starts = json.indices.filter { $0 > 0 && json[$0 - 1] == UInt8(ascii: ":")
        && (digits.contains(json[$0]) || json[$0] == UInt8(ascii: "-")) }
    guard !starts.isEmpty else { return json }
    let start = starts[choice.next(starts.count)]
    var end = start + 1
    while end < json.count, digits.contains(json[end]) { end += 1 }
    let extremes = ["9223372036854775807", "-9223372036854775808", "4611686018427387904", "2147483647",
                    "4294967295", "4294967296", "0", "-1"]
    return Array(json[..<start]) + Array(extremes[choice.next(extremes.count)].utf8) + Array(json[end...])
}

/// `bytes` after one libFuzzer mutation, with room to grow by 64 bytes.
private func mutated(_ bytes: [UInt8]) -> [UInt8] {
    var buffer = (bytes.isEmpty ? [0x7B] : bytes) + [UInt8](repeating: 0, count: 64)
    let used = bytes.isEmpty ? 1 : bytes.count
    let size = buffer.withUnsafeMutableBufferPointer { libFuzzerMutate($0.baseAddress!, used, $0.count) }
    return Array(buffer.prefix(size))
}

/// Small choices drawn from the seed libFuzzer passes to the custom mutator (SplitMix64), so that a
/// mutation is reproducible from its seed.
struct FrameMutationChoice {
    private var state: UInt64

    init(seed: UInt32) { state = UInt64(seed) }

    /// A number in `0..<count`.
    mutating func next(_ count: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(count))
    }
}
