import Foundation

/// The tamper-evidence hash of an audit row: lowercase hex SHA-256 of the row's canonical serialization.
///
/// Each verifier's rows form a chain: a row's `previous_hash` is the `row_hash` of the verifier's previous
/// row (``genesis`` for its first), and `row_hash` covers every field including `previous_hash`. Changing,
/// removing or reordering a stored row therefore breaks the chain at that row (see
/// ``AuditChainVerifier``). The hash is unkeyed: it shows *that* history was altered, not who may append.
///
/// Canonical serialization, version 1 (documented in docs/audit-log.md so other tools can recompute it):
///
///     "securenets-audit-row-v1\n"
///     then, for each field in this order:
///       id job_id batch segment attempt worker_id verifier_id producer_key_fingerprint precision_mode
///       model_digest input_digest output_digest shapes rounds verdict reason max_residual_ratio verify_ms
///       worker_compute_ms created_at previous_hash
///     the bytes  <field name> "=" <value> "\n"  where <value> is "-" for NULL, else
///     <decimal byte count of the text> ":" <text>, with the text:
///       integers      decimal ASCII (id, batch, segment, attempt, rounds)
///       strings       UTF-8 bytes as stored, no normalization (verdict and precision_mode: their names)
///       doubles       "f64:" + 16 lowercase hex digits of the IEEE-754 bit pattern; any NaN is "nan"
///       shapes        for each key in ascending UTF-8 byte order:
///                     <key byte count> ":" <key> "=" <dimensions joined by ","> ";"
///       created_at    integer microseconds since 1970-01-01T00:00:00Z
///       previous_hash 64 lowercase hex digits
///
/// Version 2, for masked-mode rows (any row whose privacy_mode is not `blinded` or that names a pool):
/// the first line is "securenets-audit-row-v2\n" and the fields `privacy_mode` and `pool` follow
/// `previous_hash`, encoded as strings. Blinded-mode rows keep version 1, so rows written before masked
/// mode existed still verify; a row altered from one kind to the other changes its hash either way.
///
/// Length prefixes make the encoding unambiguous whatever the text contains (newlines, `=`, `;`).
public enum AuditRowHash {
    /// `previous_hash` of a verifier's first row: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)
    /// The first line of the canonical serialization; changes if the format ever does.
    public static let formatVersion = "securenets-audit-row-v1"
    /// The first line for masked-mode rows.
    public static let maskedFormatVersion = "securenets-audit-row-v2"

    /// The canonical bytes of a stored record.
    ///
    /// - Returns: nil if the record has not been stored yet (``AuditRecord/id``, ``AuditRecord/createdAt``
    ///   or ``AuditRecord/previousHash`` is nil).
    public static func canonicalSerialization(of record: AuditRecord) -> [UInt8]? {
        guard let id = record.id, let createdAt = record.createdAt, let previousHash = record.previousHash else {
            return nil
        }
        return canonicalSerialization(of: record, id: id,
                                      createdAtMicroseconds: AuditTimestamp.microseconds(createdAt),
                                      previousHash: previousHash)
    }

    /// The row hash a stored record should carry; compare it with ``AuditRecord/rowHash``.
    ///
    /// - Returns: nil if the record has not been stored yet.
    public static func rowHash(of record: AuditRecord) -> String? {
        canonicalSerialization(of: record).map(sha256Hex)
    }

    /// The row hash from explicit storage values; the store and the chain verifier use the database's own
    /// microseconds so no conversion can drift.
    static func rowHash(of record: AuditRecord, id: Int64, createdAtMicroseconds: Int64,
                        previousHash: String) -> String {
        sha256Hex(canonicalSerialization(of: record, id: id, createdAtMicroseconds: createdAtMicroseconds,
                                         previousHash: previousHash))
    }

    static func canonicalSerialization(of record: AuditRecord, id: Int64, createdAtMicroseconds: Int64,
                                       previousHash: String) -> [UInt8] {
        typealias Key = AuditRecord.CodingKeys
        let fields: [(Key, String?)] = [
            (.id, String(id)),
            (.jobID, record.jobID),
            (.batch, record.batch.map(String.init)),
            (.segment, record.segment.map(String.init)),
            (.attempt, record.attempt.map(String.init)),
            (.workerID, record.workerID),
            (.verifierID, record.verifierID),
            (.producerKeyFingerprint, record.producerKeyFingerprint),
            (.precisionMode, record.precisionMode?.rawValue),
            (.modelDigest, record.modelDigest),
            (.inputDigest, record.inputDigest),
            (.outputDigest, record.outputDigest),
            (.shapes, record.shapes.map(canonicalShapes)),
            (.rounds, record.rounds.map(String.init)),
            (.verdict, record.verdict.rawValue),
            (.reason, record.reason),
            (.maxResidualRatio, record.maxResidualRatio.map(canonicalDouble)),
            (.verifyMilliseconds, record.verifyMilliseconds.map(canonicalDouble)),
            (.workerComputeMilliseconds, record.workerComputeMilliseconds.map(canonicalDouble)),
            (.createdAt, String(createdAtMicroseconds)),
            (.previousHash, previousHash),
        ]
        let isVersion1 = record.privacyMode == "blinded" && record.pool == nil
        let modeFields: [(Key, String?)] = isVersion1 ? [] : [(.privacyMode, record.privacyMode), (.pool, record.pool)]
        var bytes = Array(((isVersion1 ? formatVersion : maskedFormatVersion) + "\n").utf8)
        for (key, value) in fields + modeFields {
            bytes += Array(key.rawValue.utf8)
            bytes.append(UInt8(ascii: "="))
            if let value {
                bytes += lengthPrefixed(value)
            } else {
                bytes.append(UInt8(ascii: "-"))
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    private static func lengthPrefixed(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return Array("\(utf8.count):".utf8) + utf8
    }

    private static func canonicalDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        let hex = String(value.bitPattern, radix: 16)
        return "f64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func canonicalShapes(_ shapes: [String: [Int]]) -> String {
        // Sorting by bytes, not by Swift's String order (which is Unicode-aware), keeps it portable.
        shapes.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { key, dimensions in
                String(decoding: lengthPrefixed(key), as: UTF8.self) + "="
                    + dimensions.map(String.init).joined(separator: ",") + ";"
            }
            .joined()
    }
}
