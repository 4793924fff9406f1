import ArgumentParser

/// `securenets`: the user's command line. Runs inference locally or through the untrusted cloud,
/// manages the producer key, and queries the verification history.
public struct SecureNetsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securenets",
        abstract: "Private, verifiable neural-network inference on an untrusted cloud.",
        discussion: """
        Blinds your model and data with secret random monomial matrices, lets a pool of workers compute
        on blinded numbers only, has every layer checked by a verifier, and unblinds the verified results.

        Start locally:   infra/local/up && securenets-verifier & securenets-worker &
        Then:            securenets submit --model model.onnx --input data.npy --output out.npy
        """,
        subcommands: [InferCommand.self, SubmitCommand.self, CollectCommand.self, KeygenCommand.self, ScoreCommand.self,
                      AuditCommand.self]
    )

    public init() {}
}
