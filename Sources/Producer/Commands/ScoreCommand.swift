import ArgumentParser
import Foundation
import SecureNets

/// `securenets score`: accuracy of predicted labels against reference labels.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Compare predicted labels with true (or plaintext) labels and print the accuracy.")

    @Option(help: "Predicted labels (.npy or .csv, as written by --labels).")
    var predicted: String

    @Option(help: "Reference labels (.npy or .csv).")
    var truth: String

    func run() throws {
        let predictedLabels = try DataFile.readLabels(at: URL(fileURLWithPath: predicted))
        let truthLabels = try DataFile.readLabels(at: URL(fileURLWithPath: truth))
        guard predictedLabels.count == truthLabels.count, !truthLabels.isEmpty else {
            throw ValidationError("\(predicted) has \(predictedLabels.count) labels, \(truth) has \(truthLabels.count)")
        }
        let correct = zip(predictedLabels, truthLabels).filter { $0 == $1 }.count
        print(String(format: "accuracy: %.2f%% (%d of %d)", 100 * Double(correct) / Double(truthLabels.count), correct, truthLabels.count))
    }
}
