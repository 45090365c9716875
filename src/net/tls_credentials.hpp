// What both ends of clipshare's TLS need from mbedTLS besides the session itself: PEM
// certificates and keys loaded from files with reasons a user can act on, the text of an
// mbedTLS error, and the subject CN that names a peer. The daemon's listener and the client's
// --tls use the same functions, so both say the same thing about the same broken file.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <filesystem>
#include <optional>
#include <string>

namespace clipshare {

// mbedTLS's text for an error code, for messages and logs.
std::string mbedtls_error_text(int code);

// The certificate's subject CN. Nothing when there is none, or more than one (then no single
// name could be matched honestly).
std::optional<std::string> subject_common_name(const mbedtls_x509_crt& certificate);

// Adds every certificate in `file` (PEM or DER) to `chain`. Returns "" or why not, without
// the file's name: the caller says which setting or option named it.
std::string load_certificates(const std::filesystem::path& file, mbedtls_x509_crt* chain);

// Parses the unencrypted private key in `file` (PEM or DER) into `key`. Returns "" or why not,
// as load_certificates does. The file's bytes are wiped from memory after parsing.
std::string load_private_key(const std::filesystem::path& file, mbedtls_pk_context* key,
                             mbedtls_ctr_drbg_context* rng);

}  // namespace clipshare
