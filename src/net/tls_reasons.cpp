#include "net/tls_reasons.hpp"

#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include <cstdio>

#include "net/mbedtls_compat.hpp"
#include "util/printable.hpp"

namespace clipshare::tls_reasons {
namespace {

// No verify result to speak of (mbedTLS's "not available" value, or none yet).
constexpr std::uint32_t no_verify_result = 0xFFFFFFFFu;

// TLS 1.3's "you sent no certificate" (RFC 8446 6.2); 2.28 has no name for it.
constexpr unsigned char alert_certificate_required = 116;

constexpr std::uint32_t usage_flags = MBEDTLS_X509_BADCERT_KEY_USAGE |
                                      MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                                      MBEDTLS_X509_BADCERT_NS_CERT_TYPE;
constexpr std::uint32_t weak_flags =
    MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY;

const char* describe_verify_failure(std::uint32_t flags) {
    if (flags & MBEDTLS_X509_BADCERT_MISSING) return "is missing";
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return "is not signed by the configured CA";
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return "has expired";
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) return "is not valid yet";
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) return "is revoked";
    if (flags & usage_flags) return "is not meant for client authentication";
    if (flags & weak_flags) return "uses a hash or key that is too weak";
    return "failed verification";
}

// The alert that tells a client why its certificate was refused (RFC 8446 6.2).
unsigned char alert_for(std::uint32_t flags) {
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED;
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) return MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED;
    if (flags & usage_flags) return MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT;
    return MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
}

// TLS alert descriptions (RFC 8446 section 6 and RFC 5246), by their names in the RFCs.
struct AlertName {
    int alert;
    const char* name;
};
constexpr AlertName alert_names[] = {
    {10, "unexpected_message"},      {20, "bad_record_mac"},        {22, "record_overflow"},
    {40, "handshake_failure"},       {41, "no_certificate"},        {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"},   {45, "certificate_expired"},
    {46, "certificate_unknown"},     {47, "illegal_parameter"},     {48, "unknown_ca"},
    {49, "access_denied"},           {50, "decode_error"},          {51, "decrypt_error"},
    {70, "protocol_version"},        {71, "insufficient_security"}, {80, "internal_error"},
    {90, "user_canceled"},           {109, "missing_extension"},    {110, "unsupported_extension"},
    {112, "unrecognized_name"},      {116, "certificate_required"},
};

std::string the_server(const ClientView& client) {
    return "the server " + std::string{client.peer};
}

std::string our_certificate(const ClientView& client) {
    return "our certificate (" +
           (client.own_name.empty() ? std::string{"without a CN"}
                                    : "CN=" + escape_control_bytes(client.own_name)) +
           ")";
}

std::string certificate_required(const std::string& server, const std::string& why) {
    return server + " requires a client certificate: give clipshare one with --cert and " +
           "--key" + why;
}

}  // namespace

std::string loggable(std::string_view text) {
    constexpr std::size_t longest = 128;
    std::string out;
    for (unsigned char ch : text.substr(0, longest)) {
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            out += static_cast<char>(ch);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", ch);
            out += escaped;
        }
    }
    if (text.size() > longest) out += "...";
    return out;
}

ServerRefusal server_refusal(bool name_not_allowed, bool certificate_seen, std::string_view cn,
                             std::uint32_t flags) {
    const std::string name = certificate_seen && !cn.empty() ? loggable(cn) : "(none)";
    if (name_not_allowed) {
        return {"TLS client refused: CN=" + name + " is not in allowed_clients",
                MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED};
    }
    if (!certificate_seen ||
        (flags != no_verify_result && (flags & MBEDTLS_X509_BADCERT_MISSING))) {
        return {"TLS client refused: CN=(none): no client certificate", alert_certificate_required};
    }
    return {"TLS client refused: CN=" + name + ": certificate " + describe_verify_failure(flags),
            alert_for(flags)};
}

std::string describe_alert(int alert) {
    if (alert < 0) return "a TLS alert";
    for (const auto& known : alert_names) {
        if (known.alert == alert) return std::string{"TLS alert "} + known.name;
    }
    return "TLS alert " + std::to_string(alert);
}

std::string refusal(const ClientView& client, int alert) {
    const std::string server = the_server(client);
    const std::string why = " (" + describe_alert(alert) + ")";
    if (!client.presents_certificate &&
        (alert < 0 || alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE ||
         alert == MBEDTLS_SSL_ALERT_MSG_NO_CERT || alert == MBEDTLS_SSL_ALERT_MSG_BAD_CERT ||
         alert == alert_certificate_required)) {
        return certificate_required(server, why);
    }
    const std::string ours = our_certificate(client);
    switch (alert) {
        case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:  // clipshared: the CN is not allowed
            return server + " refused " + ours + ": that name is not one of its allowed clients" +
                   why;
        case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
            return server + " does not trust " + ours +
                   ": it is not signed by the CA the server accepts clients from" + why;
        case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
            return server + " refused " + ours + ": it has expired" + why;
        case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
            return server + " refused " + ours + ": it is revoked" + why;
        case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
        case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
        case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
        case alert_certificate_required:
            return server + " refused " + ours + why;
        case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
            return server + " has no TLS version in common with clipshare" + why;
        case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
        case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
            return server + " refused the TLS handshake: no TLS version or cipher suite in " +
                   "common, or it refused " + ours + why;
        default:
            return server + " ended the TLS handshake with " + describe_alert(alert);
    }
}

std::string unreadable_refusal(const ClientView& client) {
    const std::string server = the_server(client);
    const std::string why =
        " (its TLS 1.3 alert could not be decrypted, as with mbedTLS 3.6 servers: "
        "Mbed-TLS/mbedtls#10877)";
    if (!client.presents_certificate) return certificate_required(server, why);
    return server + " refused " + our_certificate(client) +
           ": it is not signed by a CA the server accepts, or its name is not one of the " +
           "server's allowed clients" + why;
}

std::string closed_during_handshake(const ClientView& client, bool server_certificate_seen) {
    const std::string server = the_server(client);
    if (!server_certificate_seen) {
        // A plain ClipShare server, for one, answers a ClientHello with a version refusal.
        return server + " closed the connection without answering the TLS handshake: it " +
               "does not speak TLS on this port";
    }
    if (!client.presents_certificate) {
        return server + " closed the connection during the TLS handshake: it requires a " +
               "client certificate (give clipshare one with --cert and --key)";
    }
    return server + " closed the connection during the TLS handshake: it refused " +
           our_certificate(client);
}

std::string untrusted_server(const ClientView& client, const std::optional<std::string>& server_cn,
                             std::uint32_t flags) {
    const std::string server = the_server(client);
    const std::string certificate =
        server_cn ? "its certificate (CN=" + escape_control_bytes(*server_cn) + ")"
                  : std::string{"its certificate"};
    const std::string untrusted = server + " is not trusted: " + certificate;
    if (flags & MBEDTLS_X509_BADCERT_MISSING) return server + " sent no certificate";
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        return untrusted + " is not signed by the CA in " + std::string{client.ca} + " (--ca)";
    }
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return untrusted + " has expired";
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) return untrusted + " is not valid yet";
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) return untrusted + " is revoked";
    if (flags & usage_flags) return untrusted + " is not meant for a TLS server";
    if (flags & weak_flags) return untrusted + " uses a hash or key that is too weak";
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        return server + " is not '" + escape_control_bytes(client.server_name) +
               "' (--server-name): " +
               (server_cn ? "its certificate is for CN=" + escape_control_bytes(*server_cn)
                          : std::string{"its certificate has no single CN"});
    }
    return untrusted + " failed verification: " + mbedtls_compat::verify_flags_text(flags);
}

}  // namespace clipshare::tls_reasons
