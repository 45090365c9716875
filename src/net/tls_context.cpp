#include "net/tls_context.hpp"

#include <algorithm>
#include <filesystem>

#include "net/mbedtls_compat.hpp"
#include "net/tls.hpp"
#include "net/tls_cipher_choice.hpp"
#include "net/tls_credentials.hpp"
#include "net/tls_engine.hpp"
#include "net/tls_stream.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

namespace fs = std::filesystem;

// "tls.certificate /etc/clipshare/server.crt: " for every message about that file.
std::string about(const char* key, const fs::path& file) {
    return std::string{"tls."} + key + " " + file.string() + ": ";
}

// The suites of [tls] ciphers in its order: TLS 1.3 ones (where the library has 1.3), then
// the TLS 1.2 ones, ECDHE-ECDSA before ECDHE-RSA (mbedTLS skips those the server's key cannot
// use and any the library was built without, so an RSA key still gets its suites). The
// ECDSA ones lead because they are the cheap handshakes: make-certs.sh makes P-256 keys.
// AES-GCM stays in the default for clients that lack ChaCha20 (Android phones on TLS 1.2).
std::vector<int> suites_in_order(const std::vector<std::string>& ciphers) {
    std::vector<int> suites;
    std::vector<int> tls12_rsa;
    for (const std::string& name : ciphers) {
        if (const int id = mbedtls_compat::suites_for(name).tls13; id != 0) suites.push_back(id);
    }
    for (const std::string& name : ciphers) {
        const auto ids = mbedtls_compat::suites_for(name);
        suites.push_back(ids.tls12_ecdsa);
        tls12_rsa.push_back(ids.tls12_rsa);
    }
    suites.insert(suites.end(), tls12_rsa.begin(), tls12_rsa.end());
    return suites;
}

// The Certificate handshake message that carries our chain must fit in one outgoing record
// (mbedTLS does not split handshake messages over TLS records). With the meson subproject's
// 4 KiB records (subprojects/mbedtls_user_config.h) a long chain would fail every handshake
// with an obscure error; say so at start-up instead.
std::size_t certificate_message_bytes(const mbedtls_x509_crt* chain) {
    std::size_t bytes = 4 + 1 + 3;  // handshake header, 1.3 request context, list length
    for (const mbedtls_x509_crt* c = chain; c != nullptr && c->raw.p != nullptr; c = c->next) {
        bytes += 3 + c->raw.len + 2;  // length, DER, 1.3 extensions length
    }
    return bytes;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::create(const TlsSection& settings, std::string& error) {
    std::shared_ptr<TlsContext> context{new TlsContext};
    error = context->load(settings);
    if (!error.empty()) return nullptr;
    return context;
}

std::string TlsContext::load(const TlsSection& settings) {
    handshake_timeout_ms_ = static_cast<std::uint64_t>(settings.handshake_timeout) * 1000;
    if (settings.min_version == "1.3" && !mbedtls_compat::has_tls13) {
        return std::string{"tls.min_version = \"1.3\": this mbedTLS ("} +
               mbedtls_compat::version_string + ") was built without TLS 1.3";
    }
    std::string error = identity_.seed("clipshared");
    if (!error.empty()) return "TLS: " + error;
    error = identity_.load_own(settings.certificate, "tls.certificate", settings.private_key,
                               "tls.private_key");
    if (!error.empty()) return error;
    if (auto bytes = certificate_message_bytes(identity_.own_chain());
        bytes > mbedtls_compat::out_content_length) {
        return about("certificate", settings.certificate) + "the chain takes " +
               std::to_string(bytes) + " bytes, more than the " +
               std::to_string(mbedtls_compat::out_content_length) +
               " this mbedTLS build sends in one record (MBEDTLS_SSL_OUT_CONTENT_LEN): use " +
               "fewer or smaller certificates";
    }
    error = identity_.load_ca(settings.ca, "tls.ca");
    if (!error.empty()) return error;

    if (settings.allowed_clients_inline) {
        allowed_ = AllowedClients{*settings.allowed_clients_inline};
    } else {
        auto loaded = AllowedClients::load(settings.allowed_clients_file, error);
        if (!loaded) return about("allowed_clients", settings.allowed_clients_file) + error;
        allowed_ = std::move(*loaded);
    }
    if (allowed_.empty()) LOG_WARN("tls.allowed_clients is empty: no TLS client can connect");
    if (settings.ciphers == default_tls_ciphers(aes_hardware())) {
        LOG_INFO("tls.ciphers: the default for this machine (%s)",
                 cipher_choice_reason(aes_hardware()).c_str());
    }

    // New keys and an empty cache for every context: a reload voids every stored session.
    const TlsResumption::Settings resumption{
        .tickets = settings.session_tickets,
        .cache_entries = static_cast<std::size_t>(settings.session_cache_size),
        .lifetime_seconds = static_cast<std::uint32_t>(settings.session_lifetime)};
    if (error = resumption_.set_up(resumption, identity_.rng()); !error.empty()) {
        return "TLS: " + error;
    }

    // The full list first; then, with TLS 1.3, one variant per 1.3 suite whose 1.3 list is
    // that suite alone (the TLS 1.2 part stays whole: there the server's order rules anyway).
    const std::vector<int> all = suites_in_order(settings.ciphers);
    auto tls12_begin = std::find_if(all.begin(), all.end(), [](int id) {
        for (const char* name : tls_cipher_names) {
            if (mbedtls_compat::suites_for(name).tls13 == id) return false;
        }
        return true;
    });
    // With TLS 1.3, each variant has a twin for clients that send a P-256 key share, and with
    // resume_with_ecdhe = false, one for clients that resume and offer psk_ke.
    const bool tls13 = settings.max_version == "1.3" && mbedtls_compat::has_tls13;
    // Twins differ from the rest only where this build has both groups.
    p256_variants_ = tls13 && mbedtls_compat::has_p256_share_groups;
    psk_ke_variants_ = tls13 && !settings.resume_with_ecdhe && resumption_.tls13_tickets() &&
                       mbedtls_compat::has_tls13_psk_ke;
    if (!settings.resume_with_ecdhe && !psk_ke_variants_) {
        LOG_INFO("tls.resume_with_ecdhe = false: no effect, %s",
                 !tls13 || !mbedtls_compat::has_tls13_tickets
                     ? "this mbedTLS resumes no TLS 1.3 session"
                 : !resumption_.tls13_tickets() ? "tls.session_tickets is off"
                                                : "this mbedTLS lacks the psk_ke mode");
    }
    std::size_t next_index = 0;
    auto add_variant = [&](const std::vector<int>& suites) -> std::string {
        const std::size_t index = next_index++;
        for (bool p256 : {false, true}) {
            if (p256 && !p256_variants_) continue;
            for (bool psk_ke : {false, true}) {
                if (psk_ke && !psk_ke_variants_) continue;
                auto variant = std::make_unique<Variant>();
                variant->suites = suites;
                variant->suites.push_back(0);
                const VariantKey key{.suites = index, .p256_share = p256, .psk_ke = psk_ke};
                if (std::string problem = configure(*variant, settings, key); !problem.empty()) {
                    return problem;
                }
                variants_.emplace(key, std::move(variant));
            }
        }
        return {};
    };
    if (error = add_variant(all); !error.empty()) return error;
    if (settings.max_version == "1.3") {
        for (auto it = all.begin(); it != tls12_begin; ++it) {
            std::vector<int> suites{*it};
            suites.insert(suites.end(), tls12_begin, all.end());
            if (error = add_variant(suites); !error.empty()) return error;
            tls13_order_.push_back(static_cast<std::uint16_t>(*it));
        }
    }
    return {};
}

std::string TlsContext::configure(Variant& variant, const TlsSection& settings, VariantKey key) {
    mbedtls_ssl_config* config = variant.config.get();
    const TlsConfigOptions options{.server = true,
                                   .min_tls13 = settings.min_version == "1.3",
                                   .max_tls13 = settings.max_version == "1.3",
                                   .suites = variant.suites.data()};
    if (auto problem = identity_.configure(config, options)) {
        return (problem->at_own_certificate ? "TLS: cannot use the server certificate: "
                                            : "TLS: cannot set up the configuration: ") +
               mbedtls_error_text(problem->code);
    }
    resumption_.configure(config);
    if (key.p256_share) mbedtls_compat::set_key_exchange_groups_for_p256_share(config);
    if (psk_ke_variants_) {
        // Every configuration may resume with psk_ke, but mbedTLS takes it only where neither
        // psk_dhe_ke nor a full handshake is there: in the psk_ke variant.
        mbedtls_compat::set_tls13_psk_modes(config, key.psk_ke
                                                        ? mbedtls_compat::Tls13PskModes::pure
                                                        : mbedtls_compat::Tls13PskModes::both);
    }
    // TLS 1.3 judges the client's certificate after its handshake where the library allows
    // (see TlsEngine), so that the refusal reaches the client as an alert it can read.
    tls13_verdict_deferred_ = mbedtls_compat::defer_tls13_client_verdict(config);
    return {};
}

const mbedtls_ssl_config* TlsContext::ssl_config(std::span<const std::uint16_t> offered,
                                                 bool p256_key_share, bool offers_psk_ke) const {
    VariantKey key{.p256_share = p256_key_share && p256_variants_,
                   .psk_ke = offers_psk_ke && psk_ke_variants_};
    for (std::size_t i = 0; i < tls13_order_.size(); ++i) {
        if (std::find(offered.begin(), offered.end(), tls13_order_[i]) != offered.end()) {
            key.suites = 1 + i;
            break;
        }
    }
    return variants_.at(key)->config.get();
}

TlsContext::SessionConfigs TlsContext::session_configs(const ClientHelloOffer& offer) const {
    SessionConfigs configs{ssl_config(offer.suites, offer.p256_key_share, offer.offers_psk_ke)};
    if (offer.offers_psk_ke && psk_ke_variants_) {
        configs.fallback = ssl_config(offer.suites, offer.p256_key_share, false);
    }
    return configs;
}

std::size_t tls_session_memory(const TlsContext& context) {
    return context.session_memory_bytes();
}

std::size_t TlsContext::session_memory_bytes() const {
    // mbedTLS allocates each record buffer as the content length plus the record header and
    // the largest cipher overhead it was built for (IV, MAC or tag, CBC padding, DTLS
    // connection id): at most 13 + 16 + 48 + 256 + 32 bytes.
    constexpr std::size_t record_overhead = 365;
    // The rest, measured with bench/clipshare_bench (idle.tls: heap per idle connection on a
    // fresh daemon, x86-64, minus the buffers above, the TlsEngine and the TlsStream): the
    // negotiated session, the peer's certificate (kept: mbedTLS's TLS 1.3 needs it), the two cipher
    // contexts and the malloc overhead of it all. 2.28.3: 39.6 KB measured, 5 KiB of it this.
    // 3.6.6 with TLS 1.3: 33.3 KB measured, 11 KiB of it this (its PSA key slots and
    // operations for both directions, and a bigger handshake leftover).
    constexpr std::size_t session_state = mbedtls_compat::has_tls13 ? 11 * 1024 : 5 * 1024;
    return mbedtls_compat::in_content_length + mbedtls_compat::out_content_length +
           2 * record_overhead + session_state + sizeof(TlsEngine) + sizeof(TlsStream);
}

std::size_t TlsContext::configurations_memory_bytes() const {
    // Per configuration: the Variant (mbedtls_ssl_config and its suite list), its map node,
    // and what mbedTLS allocates for a server configuration itself (mbedtls_ssl_config_defaults
    // sets a default DHM group: 304 bytes of heap on 2.28.3; the own-certificate list takes a
    // node) with malloc's overhead. Measured with mallinfo2, x86-64: 3.6.6 takes 1326 bytes
    // of heap per configuration in all (test ConfigurationsWithoutEcdheAreChargedWithTheContext),
    // which this charges as 1564. Everything else a configuration points at (RNG,
    // certificates, key, ticket keys) is the context's once, however many configurations.
    constexpr std::size_t map_node = 64;
    constexpr std::size_t mbedtls_heap = 1024;
    std::size_t bytes = 0;
    for (const auto& [key, variant] : variants_) {
        bytes +=
            sizeof(Variant) + variant->suites.capacity() * sizeof(int) + map_node + mbedtls_heap;
    }
    return bytes;
}

std::size_t tls_context_memory(const TlsContext& context) {
    return context.resumption_memory_bytes() + context.configurations_memory_bytes();
}

std::shared_ptr<const TlsContext> make_tls_context(const TlsSection& settings, std::string& error) {
    return TlsContext::create(settings, error);
}

}  // namespace clipshare
