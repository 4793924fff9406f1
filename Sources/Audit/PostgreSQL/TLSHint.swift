/// What to do about a failed TLS connection to PostgreSQL, for ``PostgresError/hint``.
///
/// libpq's own messages say what failed ("SSL error: certificate verify failed", "server certificate
/// for "db" does not match host name "x"") but rarely what to change; this adds that, naming the
/// connection's own `sslrootcert`, `sslcert` and `sslmode`. libpq's URL parameters are passed to it
/// unchanged: nothing here rewrites a connection string.
enum TLSHint {
    /// - Parameters:
    ///   - message: libpq's error message.
    ///   - options: the connection string's parsed keywords (`sslmode`, `sslrootcert`, `sslcert`, ...).
    /// - Returns: nil when the message is not about TLS.
    static func hint(for message: String, options: [String: String]) -> String? {
        let rootCertificate = options["sslrootcert"].map { "sslrootcert \($0)" } ?? "sslrootcert (default ~/.postgresql/root.crt)"
        let certificate = options["sslcert"].map { "our client certificate (sslcert \($0))" } ?? "our client certificate"
        if message.contains("certificate verify failed") {
            return "the server's certificate did not verify against \(rootCertificate): unknown CA (set sslrootcert "
                + "to the certificate of the CA that signed the server's), or it has expired or is not valid yet"
        }
        if message.contains("does not match host name") {
            return "connect by a name the server's certificate holds, or keep that name in host= and give the "
                + "address in hostaddr= (sslmode=verify-full checks host)"
        }
        if message.contains("server does not support SSL") {
            return "the server runs with ssl=off: turn it on (docs/DEPLOYMENT.md, \"TLS\"), or use a weaker sslmode "
                + "only on a network you trust"
        }
        if message.contains("alert unknown ca") || message.contains("alert bad certificate")
            || message.contains("alert certificate expired") || message.contains("alert certificate unknown") {
            return "the server refused \(certificate): it must be valid and issued by a CA in the server's ssl_ca_file"
        }
        if message.contains("requires a valid client certificate") || message.contains("alert certificate required") {
            return "the server requires a client certificate: add sslcert and sslkey to the URL"
        }
        if message.contains("invalid response to SSL negotiation") {
            return "the port does not answer like PostgreSQL (sslmode=\(options["sslmode"] ?? "prefer")): is it the "
                + "database's port?"
        }
        return nil
    }
}
