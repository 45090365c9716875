#include "net/tls_credentials.hpp"

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include <cstring>

#include "net/mbedtls_compat.hpp"
#include "util/read_file.hpp"

namespace clipshare {
namespace {

// The file's bytes with a NUL appended: mbedTLS only recognises PEM when the terminating NUL
// is part of the length it is given (DER input is unaffected).
std::optional<std::string> read_for_mbedtls(const std::filesystem::path& file, std::string& error) {
    int code = 0;
    auto bytes = read_whole_file(file, code);
    if (!bytes) {
        error = std::string{"cannot read: "} + std::strerror(code);
        return std::nullopt;
    }
    bytes->push_back('\0');
    return bytes;
}

}  // namespace

std::string mbedtls_error_text(int code) {
    char text[160] = {};
    mbedtls_strerror(code, text, sizeof text);
    return text;
}

std::optional<std::string> subject_common_name(const mbedtls_x509_crt& certificate) {
    std::optional<std::string> common_name;
    for (const mbedtls_x509_name* name = &certificate.subject; name != nullptr; name = name->next) {
        if (name->oid.p == nullptr || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) != 0) {
            continue;
        }
        if (common_name) return std::nullopt;
        common_name.emplace(reinterpret_cast<const char*>(name->val.p), name->val.len);
    }
    return common_name;
}

std::string load_certificates(const std::filesystem::path& file, mbedtls_x509_crt* chain) {
    std::string error;
    auto text = read_for_mbedtls(file, error);
    if (!text) return error;
    int rc = mbedtls_x509_crt_parse(chain, reinterpret_cast<const unsigned char*>(text->data()),
                                    text->size());
    if (rc < 0) return "not a valid certificate: " + mbedtls_error_text(rc);
    if (rc > 0) return std::to_string(rc) + " of the certificates in it could not be parsed";
    return {};
}

std::string load_private_key(const std::filesystem::path& file, mbedtls_pk_context* key,
                             mbedtls_ctr_drbg_context* rng) {
    std::string error;
    auto text = read_for_mbedtls(file, error);
    if (!text) return error;
    int rc = mbedtls_compat::parse_private_key(
        key, reinterpret_cast<const unsigned char*>(text->data()), text->size(), rng);
    mbedtls_platform_zeroize(text->data(), text->size());
    if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
        return "the key is encrypted; it must be stored unencrypted";
    }
    if (rc != 0) return "not a valid private key: " + mbedtls_error_text(rc);
    return {};
}

}  // namespace clipshare
