import Testing
@testable import SecureNetsProducer

/// What `submit` shows while it waits: never silence.
@Suite struct ProgressLineTests {
    @Test func theLineNamesPendingRedispatchedFailedAndWhyItWaits() {
        let reporter = ProgressReporter(rowsPerBatch: 10, isTerminal: false)
        let line = reporter.line(JobProgress(done: 3, failed: 1, total: 10, pending: 4, redispatched: 2,
                                             warning: "no worker is consuming securenets.jobs"))
        #expect(line.contains("3/10 verified"))
        #expect(line.contains("4 pending"))
        #expect(line.contains("2 re-dispatched"))
        #expect(line.contains("1 failed"))
        #expect(line.hasSuffix("no worker is consuming securenets.jobs"))
    }

    @Test func quietPartsAreLeftOut() {
        let line = ProgressReporter(rowsPerBatch: 10, isTerminal: false)
            .line(JobProgress(done: 0, failed: 0, total: 2, pending: 2, redispatched: 0, warning: nil))
        #expect(!line.contains("re-dispatched") && !line.contains("failed"))
    }
}
