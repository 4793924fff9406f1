#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Duration {
    /// The duration in seconds, for arithmetic and messages.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// A C `timeval`; negative durations become zero (rabbitmq-c then polls without waiting).
    var timeval: timeval {
        guard self > .zero else { return makeTimeval(seconds: 0, microseconds: 0) }
        let (wholeSeconds, attoseconds) = components
        return makeTimeval(seconds: Int(wholeSeconds), microseconds: Int(attoseconds / 1_000_000_000_000))
    }

    /// A C `timespec`, for `nanosleep`; negative durations become zero.
    var timespec: timespec {
        guard self > .zero else { return SystemTimespec() }
        let (wholeSeconds, attoseconds) = components
        return SystemTimespec(tv_sec: Int(wholeSeconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    }

    /// "2.0 s", "0.25 s": how durations appear in log lines and errors.
    var shortDescription: String {
        let value = seconds
        let rounded = value < 1 ? (value * 100).rounded() / 100 : (value * 10).rounded() / 10
        return "\(rounded) s"
    }
}

private func makeTimeval(seconds: Int, microseconds: Int) -> timeval {
    #if canImport(Darwin)
    return timeval(tv_sec: seconds, tv_usec: Int32(microseconds))
    #else
    return timeval(tv_sec: seconds, tv_usec: microseconds)
    #endif
}

#if canImport(Glibc)
private typealias SystemTimespec = Glibc.timespec
#else
private typealias SystemTimespec = Darwin.timespec
#endif
