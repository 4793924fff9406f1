import Testing
@testable import SecureNetsProducer

@Suite("The summary names unverified rows")
struct UnverifiedRowsTests {
    @Test func everyRowVerifiedSaysNothing() {
        let record = JobJournalTests.record(rows: 10, batchSize: 4)
        #expect(UnverifiedRows(record: record, verified: [0, 1, 2]).summary(hasLabels: true) == nil)
    }

    @Test func unverifiedBatchesAndTheirRowsAreNamed() {
        let record = JobJournalTests.record(rows: 10, batchSize: 4)  // batches 0..<4, 4..<8, 8..<10
        let unverified = UnverifiedRows(record: record, verified: [1])
        #expect(unverified.batches == [0, 2] && unverified.rowCount == 6)
        #expect(unverified.summary(hasLabels: true)
            == "unverified: 6 of 10 rows (NaN in the outputs, label -1 in the labels), in batches 0 (rows 0..<4), 2 (rows 8..<10)")
        #expect(UnverifiedRows(record: record, verified: [0, 1]).summary(hasLabels: false)
            == "unverified: 2 of 10 rows (NaN in the outputs), in batch 2 (rows 8..<10)")
    }

    @Test func longListsAreCut() {
        let record = JobJournalTests.record(rows: 25, batchSize: 1)
        let summary = UnverifiedRows(record: record, verified: []).summary(hasLabels: false) ?? ""
        #expect(summary.hasPrefix("unverified: 25 of 25 rows (NaN in the outputs), in batches 0 (rows 0..<1), 1 (rows 1..<2), "))
        #expect(summary.hasSuffix("19 (rows 19..<20) and 5 more"))
    }
}
