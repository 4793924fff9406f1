/// Why bytes are not a valid frame. Every decoding failure is one of these; none crashes.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case tooLarge(bytes: Int, limit: Int)
    case truncated(field: String, needed: Int, available: Int)
    case badMagic
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case fieldTooLarge(field: String, size: Int, limit: Int)
    case badSignatureLength(Int)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case let .tooLarge(bytes, limit): "frame of \(bytes) bytes exceeds the limit of \(limit)"
        case let .truncated(field, needed, available):
            "frame truncated in \(field): needs \(needed) bytes, \(available) left"
        case .badMagic: "not a SecureNets frame (bad magic)"
        case .unsupportedVersion(let version): "unsupported frame version \(version)"
        case .unknownKind(let kind): "unknown frame kind \(kind)"
        case let .fieldTooLarge(field, size, limit): "\(field) of \(size) exceeds the limit of \(limit)"
        case .badSignatureLength(let length): "signature must be 0 or 64 bytes, got \(length)"
        case .trailingBytes(let count): "\(count) unexpected bytes after the frame"
        }
    }
}
