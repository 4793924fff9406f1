/// The 32-byte seed from which `MaskStream` expands a mask R: what the mask pool receives instead of
/// R. Fresh from the system CSPRNG for every batch and layer.
///
/// A secret from the data pool's point of view (with it, X̂ − R unmasks the data), so its
/// `description` never shows the bytes.
public struct MaskSeed: Sendable, Equatable, Hashable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    /// Throws `MaskedModeError.seedLength` unless `bytes` has 32 bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else { throw MaskedModeError.seedLength(bytes.count) }
        self.bytes = bytes
    }

    /// A fresh seed from the system CSPRNG.
    public static func random() -> MaskSeed {
        var system = SystemRandomNumberGenerator()
        let bytes = (0..<4).flatMap { _ in withUnsafeBytes(of: system.next()) { Array($0) } }
        return try! MaskSeed(bytes: bytes)  // 4 × 8 = 32 bytes
    }

    public var description: String { "MaskSeed(32 bytes, redacted)" }
}
