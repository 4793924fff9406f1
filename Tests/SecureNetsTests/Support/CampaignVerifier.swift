@testable import SecureNets

/// The verifier's decision on one result body, as `VerifierLoop.handle` makes it minus the broker
/// and the ledger: decode the frame (an undecodable one is dead-lettered), then
/// `ResultEvaluation.evaluate` with the authorized producer keys, the model the manifest names and
/// k = 2 random vectors drawn from the system CSPRNG after the result exists.
struct CampaignVerifier {
    /// What became of one result.
    enum Outcome: String, CaseIterable, Sendable {
        case passed, failed, rejected, undecodable
    }

    let authorizedProducers: [TrustedKey]
    var rounds = 2

    /// The outcome of `result` against `model`, with the largest residual ratio the check saw.
    func verify(_ result: ResultMessage, model: BlindedModel) -> (outcome: Outcome, maxResidualRatio: Double) {
        guard let received = try? ResultMessage.decode(result.encode()) else { return (.undecodable, .infinity) }
        let evaluation = ResultEvaluation.evaluate(received, authorizedProducers: authorizedProducers,
                                                   model: model, rounds: rounds)
        let outcome: Outcome = switch evaluation.verdict {
        case .passed: .passed
        case .failed: .failed
        case .rejected: .rejected
        }
        return (outcome, evaluation.maxResidualRatio)
    }
}
