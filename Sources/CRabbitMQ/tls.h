#ifndef SECURENETS_CRABBITMQ_TLS_H
#define SECURENETS_CRABBITMQ_TLS_H
// What rabbitmq-c's SSL socket does not tell: why a TLS handshake failed, and a server name for SNI
// that differs from the host connected to. rabbitmq-c 0.11 reports every certificate problem as
// "SSL peer verify failed" and frees the SSL object before returning, so the reason is recorded
// while OpenSSL verifies, in a diagnosis attached to the socket's SSL_CTX.
#include <amqp_ssl_socket.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/// How the ClientHello names the server.
enum securenets_sni_mode {
    SECURENETS_SNI_HOST = 0,  // rabbitmq-c's choice: the host connected to
    SECURENETS_SNI_NAME = 1,  // `sni` below
    SECURENETS_SNI_NONE = 2,  // no server_name extension (for an IP address, or when disabled)
};

/// Filled by the verify callback with the first certificate that failed, for the error message.
typedef struct securenets_tls_diagnosis {
    int sni_mode;
    char sni[256];
    int verify_error;  // X509_V_OK until a certificate fails
    int depth;         // 0 = the server's own certificate
    char subject[256];
    char names[512];   // its subjectAltNames ("DNS:localhost, IP:127.0.0.1"), or "CN=..." without any
    char not_before[32];
    char not_after[32];
    int peer_alert;    // the alert the broker sent (SSL_AD_*), or 0
} securenets_tls_diagnosis;

static inline void securenets_tls_set_sni(securenets_tls_diagnosis *diagnosis, int mode, const char *name) {
    diagnosis->sni_mode = mode;
    snprintf(diagnosis->sni, sizeof diagnosis->sni, "%s", name ? name : "");
}

static inline void securenets_tls_time(const ASN1_TIME *time, char *out, size_t size) {
    struct tm parts;
    out[0] = 0;
    if (time && ASN1_TIME_to_tm(time, &parts) == 1) strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &parts);
}

static inline void securenets_tls_append(char *out, size_t size, const char *prefix, const char *text, size_t length) {
    size_t used = strlen(out);
    if (used + strlen(prefix) + length + 3 >= size) return;
    if (used > 0) { strcat(out, ", "); used += 2; }
    strcat(out, prefix);
    used += strlen(prefix);
    memcpy(out + used, text, length);
    out[used + length] = 0;
}

/// The names a certificate is valid for, as people read them.
static inline void securenets_tls_names(X509 *cert, char *out, size_t size) {
    out[0] = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
            const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
            if (name->type == GEN_DNS) {
                securenets_tls_append(out, size, "DNS:", (const char *)ASN1_STRING_get0_data(name->d.dNSName),
                                      (size_t)ASN1_STRING_length(name->d.dNSName));
            } else if (name->type == GEN_IPADD) {
                char text[INET6_ADDRSTRLEN] = "";
                int length = ASN1_STRING_length(name->d.iPAddress);
                const unsigned char *bytes = ASN1_STRING_get0_data(name->d.iPAddress);
                if (length == 4 || length == 16) inet_ntop(length == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text);
                securenets_tls_append(out, size, "IP:", text, strlen(text));
            }
        }
        GENERAL_NAMES_free(names);
    }
    if (out[0] == 0) {
        char common[256] = "";
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, common, sizeof common) > 0)
            securenets_tls_append(out, size, "CN=", common, strlen(common));
    }
}

static inline securenets_tls_diagnosis *securenets_tls_diagnosis_of(const SSL *ssl) {
    return ssl ? (securenets_tls_diagnosis *)SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), 0) : NULL;
}

static inline int securenets_tls_verify_callback(int ok, X509_STORE_CTX *store) {
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    securenets_tls_diagnosis *diagnosis = securenets_tls_diagnosis_of(ssl);
    if (!ok && diagnosis && diagnosis->verify_error == X509_V_OK) {
        diagnosis->verify_error = X509_STORE_CTX_get_error(store);
        diagnosis->depth = X509_STORE_CTX_get_error_depth(store);
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        if (cert) {
            X509_NAME_oneline(X509_get_subject_name(cert), diagnosis->subject, sizeof diagnosis->subject);
            securenets_tls_names(cert, diagnosis->names, sizeof diagnosis->names);
            securenets_tls_time(X509_get0_notBefore(cert), diagnosis->not_before, sizeof diagnosis->not_before);
            securenets_tls_time(X509_get0_notAfter(cert), diagnosis->not_after, sizeof diagnosis->not_after);
        }
    }
    return ok;
}

// Called before the ClientHello is written, which is the last moment to change its server name:
// rabbitmq-c sets it to the host it connects to inside amqp_socket_open.
// Also records the alert a broker sends when it refuses our certificate: in TLS 1.3 that arrives
// after SSL_connect has returned, and only this callback sees it whatever happens to the error queue.
static inline void securenets_tls_info_callback(const SSL *ssl, int where, int ret) {
    securenets_tls_diagnosis *diagnosis = securenets_tls_diagnosis_of(ssl);
    if (!diagnosis) return;
    if ((where & SSL_CB_READ_ALERT) && diagnosis->peer_alert == 0 && (ret >> 8) == SSL3_AL_FATAL) {
        diagnosis->peer_alert = ret & 0xff;
    }
    if (!(where & SSL_CB_HANDSHAKE_START) || diagnosis->sni_mode == SECURENETS_SNI_HOST) return;
    SSL_set_tlsext_host_name((SSL *)ssl, diagnosis->sni_mode == SECURENETS_SNI_NAME ? diagnosis->sni : NULL);
}

// A key file that needs a passphrase fails to load rather than prompting on the terminal (OpenSSL's
// default), which would hang a service.
static inline int securenets_tls_no_passphrase(char *buffer, int size, int rwflag, void *userdata) {
    (void)buffer; (void)size; (void)rwflag; (void)userdata;
    return -1;
}

/// Attaches `diagnosis` (owned by the caller, alive as long as the socket) to rabbitmq-c's context and
/// makes OpenSSL check `verify_name` (a DNS name or an IP address; NULL checks no name) as part of
/// verifying the chain, so a mismatch is reported as X509_V_ERR_HOSTNAME_MISMATCH or
/// X509_V_ERR_IP_ADDRESS_MISMATCH rather than by rabbitmq-c's CN/DNS-only check. Returns 1 on success.
static inline int securenets_tls_configure(SSL_CTX *context, securenets_tls_diagnosis *diagnosis, int verify_peer,
                                           const char *verify_name, int verify_name_is_ip) {
    if (SSL_CTX_set_ex_data(context, 0, diagnosis) != 1) return 0;
    SSL_CTX_set_default_passwd_cb(context, securenets_tls_no_passphrase);
    SSL_CTX_set_info_callback(context, securenets_tls_info_callback);
    if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) return 0;
    SSL_CTX_set_verify(context, verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                       verify_peer ? securenets_tls_verify_callback : NULL);
    if (verify_peer && verify_name) {
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(context);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int set = verify_name_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, verify_name)
                                    : X509_VERIFY_PARAM_set1_host(param, verify_name, 0);
        if (set != 1) return 0;
    }
    return 1;
}

/// The reason of the oldest error in this thread's OpenSSL queue (0 when empty), its text in `out`,
/// and the queue cleared: what the last failed call left behind.
static inline int securenets_tls_take_error(char *out, size_t size) {
    unsigned long first = ERR_get_error();
    out[0] = 0;
    if (first == 0) return 0;
    const char *reason = ERR_reason_error_string(first);
    snprintf(out, size, "%s", reason ? reason : "unknown OpenSSL error");
    ERR_clear_error();
    return ERR_GET_REASON(first);
}
#endif
