#include "common/manifest_signing.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <algorithm>

#include <cstring>
#include <fstream>

#include "common/atomic_file.hpp"

namespace fleetcast {

namespace {

PKeyHandle own(EVP_PKEY* k) { return PKeyHandle(k, &EVP_PKEY_free); }

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Expected<std::string> raw_public(EVP_PKEY* k) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != 32)
        return make_error("bad_key", "cannot read the raw Ed25519 public key");
    return std::string(reinterpret_cast<char*>(raw), len);
}

Expected<std::string> key_id_of(EVP_PKEY* k) {
    auto raw = raw_public(k);
    if (!raw) return raw.error();
    return to_hex(sha256(*raw)).substr(0, 16);
}

bool is_ed25519(EVP_PKEY* k) { return k && EVP_PKEY_is_a(k, "ED25519") == 1; }

std::string hex_of(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

bool bytes_of_hex(std::string_view hex, std::string& out) {
    if (hex.size() % 2) return false;
    out.clear();
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
    }
    return true;
}

Error bad(const std::string& why) { return make_error("bad_manifest", why); }

}  // namespace

// ---- keys ---------------------------------------------------------------------
Expected<TrustKey> TrustKey::from_pem(std::string_view pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    if (!bio) return make_error("bad_key", "out of memory");
    auto key = own(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!is_ed25519(key.get())) return make_error("bad_key", "not a PEM Ed25519 public key");
    TrustKey t;
    auto id = key_id_of(key.get());
    if (!id) return id.error();
    t.key_ = std::move(key);
    t.key_id_ = *id;
    return t;
}

Expected<TrustKey> TrustKey::load(const std::filesystem::path& pem_file) {
    auto text = read_file(pem_file, 64 * 1024);
    if (!text) return text.error().with_context("trust key " + pem_file.string());
    auto k = from_pem(*text);
    if (!k) return k.error().with_context(pem_file.string());
    return k;
}

std::string TrustKey::pem() const {
    Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    return bio_text(bio.get());
}

bool TrustKey::verify(std::string_view message, std::string_view signature) const {
    if (!key_ || signature.size() != 64) return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

Expected<SigningKey> SigningKey::generate() {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!k) return make_error("bad_key", "Ed25519 key generation failed");
    SigningKey s;
    s.key_ = own(k);
    auto pub = TrustKey::from_pem([&] {
        Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
        PEM_write_bio_PUBKEY(bio.get(), k);
        return bio_text(bio.get());
    }());
    if (!pub) return pub.error();
    s.public_ = std::move(*pub);
    return s;
}

Expected<SigningKey> SigningKey::load(const std::filesystem::path& pem_file) {
    auto text = read_file(pem_file, 64 * 1024);
    if (!text) return text.error().with_context("signing key " + pem_file.string());
    Bio bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), &BIO_free);
    auto key = own(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!is_ed25519(key.get())) return make_error("bad_key", pem_file.string() + " is not a PEM Ed25519 private key");
    Bio pub_bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(pub_bio.get(), key.get());
    auto pub = TrustKey::from_pem(bio_text(pub_bio.get()));
    if (!pub) return pub.error();
    SigningKey s;
    s.key_ = std::move(key);
    s.public_ = std::move(*pub);
    return s;
}

std::string SigningKey::private_pem() const {
    Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return bio_text(bio.get());
}

Status SigningKey::save(const std::filesystem::path& private_pem_file,
                        const std::filesystem::path& public_pem_file) const {
    for (const auto& p : {private_pem_file, public_pem_file}) {
        if (p.has_parent_path()) {
            auto st = ensure_dir(p.parent_path());
            if (!st) return st;
        }
    }
    // The private key file is created 0600 before the key is in it.
    mode_t old = ::umask(077);
    auto st = write_file_atomic(private_pem_file, private_pem());
    ::umask(old);
    if (!st) return st;
    return write_file_atomic(public_pem_file, public_.pem());
}

std::string SigningKey::sign(std::string_view message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char sig[64];
    std::size_t len = sizeof sig;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) !=
            1)
        return {};
    return std::string(reinterpret_cast<char*>(sig), len);
}

// ---- chunk lists ----------------------------------------------------------------
Digest chunk_list_digest(const std::vector<Digest>& chunks) {
    Sha256 h;
    for (const auto& d : chunks) h.update(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    return h.finish();
}

std::vector<Digest> chunk_digests_of(std::string_view image, std::uint32_t chunk_size) {
    std::vector<Digest> out;
    for (std::size_t at = 0; at < image.size(); at += chunk_size) out.push_back(sha256(image.substr(at, chunk_size)));
    return out;
}

Expected<std::vector<Digest>> chunk_digests_of_file(const std::filesystem::path& path, std::uint32_t chunk_size) {
    if (chunk_size == 0) return make_error("bad_args", "chunk size 0");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("io", "cannot open " + path.string());
    std::vector<Digest> out;
    std::string buf(chunk_size, '\0');
    while (in) {
        in.read(buf.data(), chunk_size);
        auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        out.push_back(sha256(std::string_view(buf.data(), n)));
    }
    if (in.bad()) return make_error("io", "cannot read " + path.string());
    return out;
}

// ---- manifests -------------------------------------------------------------------
std::string manifest_signed_text(const FirmwareManifest& m) {
    std::string t = "fleetcast-manifest-v1\n";
    auto line = [&](const char* key, const std::string& value) {
        t += key;
        t += '=';
        t += value;
        t += '\n';
    };
    line("key_id", m.key_id);
    line("fw_id", m.fw_id);
    line("model", m.model);
    line("component", m.component);
    line("version", m.version);
    line("size", std::to_string(m.size));
    line("sha256", m.sha256);
    line("chunk_size", std::to_string(m.chunk_size));
    line("chunk_count", std::to_string(m.chunk_count));
    line("chunks_sha256", to_hex(chunk_list_digest(m.chunk_sha256)));
    line("allow_downgrade", m.allow_downgrade ? "1" : "0");
    line("expires_at", m.expires_at ? format_time(*m.expires_at) : std::string());
    // Issue 17: a delta's or compressed image's lines; a plain image's text is unchanged.
    if (m.encoding) {
        line("encoding", m.encoding->codec);
        line("source_sha256", m.encoding->source_sha256);
        line("source_version", m.encoding->source_version);
        line("target_sha256", m.encoding->target_sha256);
        line("target_size", std::to_string(m.encoding->target_size));
    }
    return t;
}

Expected<TrustKeySet> TrustKeySet::load(const std::vector<std::filesystem::path>& pem_files) {
    std::vector<TrustKey> keys;
    for (const auto& file : pem_files) {
        auto k = TrustKey::load(file);
        if (!k) return k.error().with_context(file.string());
        bool known =
            std::any_of(keys.begin(), keys.end(), [&](const TrustKey& t) { return t.key_id() == k->key_id(); });
        if (!known) keys.push_back(std::move(*k));
    }
    if (keys.empty()) return make_error("bad_key", "no trusted key given");
    return TrustKeySet(std::move(keys));
}

const TrustKey* TrustKeySet::find(const std::string& key_id) const {
    for (const auto& k : keys_)
        if (k.key_id() == key_id) return &k;
    return nullptr;
}

std::string TrustKeySet::ids() const {
    std::string out;
    for (const auto& k : keys_) out += (out.empty() ? "" : ", ") + k.key_id();
    return out;
}

Status sign_manifest(FirmwareManifest& m, const SigningKey& key) {
    if (m.chunk_sha256.size() != m.chunk_count) return bad("chunk list does not match chunk_count");
    if (!m.expires_at) return bad("a signed manifest needs an expiry");
    m.key_id = key.key_id();
    auto sig = key.sign(manifest_signed_text(m));
    if (sig.size() != 64) return make_error("bad_key", "Ed25519 signing failed");
    m.signature = hex_of(sig);
    return ok_status();
}

namespace {
// What verify_manifest checks before it looks at the key.
Status check_signed_fields(const FirmwareManifest& m, TimePoint now) {
    if (m.fw_id.size() != 16 || m.sha256.compare(0, 16, m.fw_id) != 0)
        return bad("fw_id is not the first 16 hex digits of sha256");
    if (m.signature.empty()) return bad("manifest " + m.fw_id + " is not signed");
    if (m.chunk_sha256.size() != m.chunk_count) return bad("manifest " + m.fw_id + " lacks its chunk hash list");
    if (!m.expires_at) return bad("manifest " + m.fw_id + " has no expiry");
    if (now >= *m.expires_at) return bad("manifest " + m.fw_id + " expired at " + format_time(*m.expires_at));
    return ok_status();
}
}  // namespace

Status verify_manifest(const FirmwareManifest& m, const TrustKey& key, TimePoint now) {
    auto fields = check_signed_fields(m, now);
    if (!fields) return fields;
    if (m.key_id != key.key_id())
        return bad("manifest " + m.fw_id + " is signed by key " + m.key_id + ", trusted key is " + key.key_id());
    std::string sig;
    if (!bytes_of_hex(m.signature, sig) || sig.size() != 64)
        return bad("manifest " + m.fw_id + " signature is not 128 hex digits");
    if (!key.verify(manifest_signed_text(m), sig))
        return bad("manifest " + m.fw_id + " signature does not verify with key " + key.key_id());
    return ok_status();
}

Status verify_manifest(const FirmwareManifest& m, const TrustKeySet& keys, TimePoint now) {
    if (keys.empty()) return bad("no trusted manager key is configured");
    auto fields = check_signed_fields(m, now);
    if (!fields) return fields;
    if (const TrustKey* k = keys.find(m.key_id)) return verify_manifest(m, *k, now);
    return bad("manifest " + m.fw_id + " is signed by key " + m.key_id +
               ", which is not trusted here (trusted: " + keys.ids() + ")");
}

}  // namespace fleetcast
