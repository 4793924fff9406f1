import Foundation
import Testing
@testable import SecureNets

/// The cheat-detection campaign (`CheatCampaign`): ≥ 10,000 tampered results across every
/// `CheatStrategy` must all be caught, ≥ 10,000 honest results must all pass, and the smallest
/// single-entry change caught must stay within what the derived bound guarantees.
///
/// `SECURENETS_CAMPAIGN_CASES` sets the number of cases per side (default 10,000) for a longer run,
/// `SECURENETS_CAMPAIGN_SEED` the seed of shapes and values. `scripts/cheat-campaign.sh` runs it.
@Suite(.serialized) struct CheatCampaignTests {
    static let cases = ProcessInfo.processInfo.environment["SECURENETS_CAMPAIGN_CASES"].flatMap { Int($0) } ?? 10_000
    static let seed = ProcessInfo.processInfo.environment["SECURENETS_CAMPAIGN_SEED"].flatMap { UInt64($0) } ?? 0x5EC0_2E75

    /// Run once, shared by the tests below (serialized, so that only one test waits for it while it
    /// runs on two dispatch threads); prints the tables.
    static let report: Result<CheatCampaign.Report, Error> = Result {
        let started = Date()
        let campaign = CheatCampaign(cases: cases, seed: seed)
        let report = try campaign.run()
        print(CampaignSummary(report: report, campaign: campaign, seconds: Date().timeIntervalSince(started)).text)
        return report
    }

    @Test func everyTamperedResultIsCaught() throws {
        let report = try Self.report.get()
        #expect(report.tampered.totalCases >= Self.cases)
        #expect(report.tampered.labels.count == CheatStrategy.allCases.count)
        #expect(report.unchanged == 0, "a cheat that changed nothing proves nothing")
        for strategy in CheatStrategy.allCases {
            #expect(report.tampered.cases(strategy.rawValue) > 0)
            #expect(report.tampered.count(strategy.rawValue, .passed) == 0, "\(strategy.rawValue) slipped through")
        }
        // Forgeries are refused as unauthenticated; every other cheat is a failed attempt, retried.
        #expect(report.tampered.count(CheatStrategy.forgedManifest.rawValue, .rejected)
                == report.tampered.cases(CheatStrategy.forgedManifest.rawValue))
    }

    @Test func noHonestResultIsRefused() throws {
        let report = try Self.report.get()
        #expect(report.honest.totalCases >= Self.cases)
        #expect(report.honest.labels.sorted() == Precision.allCases.map(\.rawValue).sorted())
        #expect(report.honest.total(.passed) == report.honest.totalCases, "false alarms")
        for precision in report.honest.labels {
            #expect(report.honest.residualRatios(precision).allSatisfy { $0 <= 1 })
        }
        let inner = report.innerDimensions
        #expect(inner.min() == 2 && inner.contains { (100...400).contains($0) } && inner.contains { $0 >= 1000 },
                "inner dimensions cover 2, a few hundred and the thousands")
    }

    @Test func singleEntryThresholdStaysWithinTheDerivedBound() throws {
        let report = try Self.report.get()
        let thresholds = report.thresholds
        #expect(thresholds.count == report.tampered.cases(CheatStrategy.singleEntry.rawValue))
        for threshold in thresholds {
            // Bisection resolution is 0.4 %; the float32 rounding of the changed entry adds ≤ 1 ulp.
            #expect(threshold.measured <= threshold.guaranteed * 1.01 + 1e-12)
            #expect(threshold.guaranteed < CheatStrategy.singleEntryFloor)
        }
    }
}
