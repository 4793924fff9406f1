import SecureNets

/// What `JobRunner` leaves to the protection a job uses (`BlindedJob`, `MaskedJob`): the model that
/// goes on the stream, the message for one dispatch, and what a verified reply does. The runner owns
/// the broker, the journal's event log, the scheduler and the user's guidance.
///
/// Work is scheduled in lanes: a lane is a sequence of segments each dispatched and verified in turn.
/// Blinded mode has one lane per batch; masked mode two (the data and the mask pool's products of the
/// same layer), which move to the next layer together.
protocol JobProtection: AnyObject {
    var lanesPerBatch: Int { get }
    /// The model frame published once per job on the models stream.
    func modelBytes() -> [UInt8]
    /// The signed message for `attempt` of `segment` of `lane`, and where it goes.
    func outgoing(lane: Int, segment: Int, attempt: Int, context: JobRunner.PublishContext) throws -> OutgoingJob
    /// The lane a reply is about, or nil when it names none of this job's.
    func lane(of reply: ReplyManifest) -> Int?
    /// A passed reply for `lane` at `segment`: journals what it must, and returns the lanes that move on.
    func apply(_ reply: ReplyMessage, lane: Int, segment: Int) throws -> [LaneStep]
    /// After the scheduler was restored from the journal's events: restores the protection's own
    /// state, and returns lane steps that are due at once.
    func restore(into scheduler: inout DispatchScheduler) throws -> [LaneStep]
    /// The batch failed for good: drop what is held for it.
    func forget(batch: Int)
    /// The jobs and results queues whose consumers the producer needs, for "no worker is consuming" hints.
    var queues: (jobs: [String], results: [String]) { get }
}

/// One message to publish for a dispatch.
struct OutgoingJob {
    let body: [UInt8]
    let routingKey: String
    let manifestSHA256: String
}

/// What a verified reply lets a lane do.
enum LaneStep: Equatable {
    /// Dispatch `segment` of `lane` next.
    case next(lane: Int, segment: Int)
    /// The lane (and, once all its batch's lanes are, the batch) is done.
    case done(lane: Int)
}
