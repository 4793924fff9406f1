/// Why a key or a blinded tensor cannot be used.
public enum BlindingError: Error, Equatable, CustomStringConvertible {
    case invalidKey(String)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .invalidKey(let detail): "invalid blinding key: \(detail)"
        case .shapeMismatch(let detail): "blinding shape mismatch: \(detail)"
        }
    }
}
