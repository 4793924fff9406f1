import Foundation
import Logging
import SecureNetsMessaging

/// Runs a broker session again and again until `stop` is raised, waiting a capped exponential,
/// jittered delay after each broker failure and saying so in the log. A session that ran for a
/// while resets the backoff, so a broker restart next week starts again from half a second.
public enum ReconnectingLoop {
    public static func run(until stop: StopSignal, logger: Logger, hint: String = "",
                           session: () throws -> Void) throws {
        var failures = 0
        while !stop.isRaised {
            let started = Date()
            do {
                try session()
                return
            } catch let error as AMQPError {
                if Date().timeIntervalSince(started) > 30 { failures = 0 }
                failures += 1
                let delay = min(30, 0.5 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
                logger.warning("broker connection lost\(hint), reconnecting in \(String(format: "%.1f", delay)) s (attempt \(failures)): \(error)")
                stop.wait(seconds: delay)
            }
        }
    }
}
