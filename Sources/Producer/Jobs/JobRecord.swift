import Foundation
import SecureNets

/// Everything needed to finish a job after the producer died: parameters, file fingerprints and the
/// secret seed every key of the job derives from. Stored 0600 in the job's journal directory.
struct JobRecord: Codable {
    var jobID: String
    var modelPath: String
    var modelFileSHA256: String
    var inputPath: String
    var inputFileSHA256: String
    var outputPath: String
    var labelsPath: String?
    var rows: Int
    var batchSize: Int
    var mode: ChainingMode
    var precision: Precision
    /// Base64 of the 32-byte secret seed (`KeyStream`). Never leaves this file.
    var seed: String
    var producerKeyPath: String
    var verifierKeyPath: String
    var createdAt: Date
    /// The protection: nil in journals written before masked mode existed, which are blinded.
    var privacy: PrivacyMode?

    var privacyMode: PrivacyMode { privacy ?? .blinded }

    var batchCount: Int { (rows + batchSize - 1) / batchSize }

    func rows(ofBatch batch: Int) -> Range<Int> { (batch * batchSize)..<min(rows, (batch + 1) * batchSize) }

    var seedBytes: [UInt8] { Array(Data(base64Encoded: seed) ?? Data()) }
}
