import Foundation

/// The campaign's printed report: the detection table, the honest table and the distribution of
/// single-entry detection thresholds. `scripts/cheat-campaign.sh` shows it.
struct CampaignSummary {
    let report: CheatCampaign.Report
    let campaign: CheatCampaign
    let seconds: Double

    var text: String {
        let inner = report.innerDimensions
        let measured = report.thresholds.map(\.measured).sorted()
        let guaranteed = report.thresholds.map(\.guaranteed).sorted()
        let slack = report.thresholds.map { $0.measured / $0.guaranteed }.sorted()
        func stats(_ sorted: [Double]) -> String {
            sorted.isEmpty ? "-" : String(format: "min %.3g  median %.3g  max %.3g",
                                          sorted[0], CampaignTally.median(sorted), sorted[sorted.count - 1])
        }
        return """
        ==== cheat-detection campaign (seed \(campaign.seed), \(String(format: "%.1f", seconds)) s) ====
        \(campaign.tamperScenarios) tamper scenarios × \(CheatStrategy.allCases.count) strategies in exact precision; \
        \(campaign.tamperScenarios + campaign.honestScenarios) scenarios for honest results; \
        inner dimensions K from \(inner.min() ?? 0) to \(inner.max() ?? 0) (\(inner.filter { $0 >= 1000 }.count) layers with K ≥ 1000)

        \(report.tampered.detectionTable())

        \(report.honest.honestTable())

        single-entry detection threshold (smallest caught change ÷ row's mean magnitude, \(measured.count) cases):
          measured    \(stats(measured))
          guaranteed  \(stats(guaranteed))   (2 × the row's bound with every |r| = 2)
          measured ÷ guaranteed  \(stats(slack))
        ====
        """
    }
}
