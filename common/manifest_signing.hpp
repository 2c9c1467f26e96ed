#pragma once
// Ed25519 manifest signatures (R21) through OpenSSL 3 EVP.
//
// The manager holds the private key (SigningKey) and signs every manifest it
// publishes; gateways and devices hold only the public key (TrustKey) and
// verify before they accept a manifest, then check every chunk against the
// signed per-chunk SHA-256 list. What is signed is a line-based canonical text
// (manifest_signed_text), not the JSON, so the signature never depends on how
// a JSON library orders fields or prints numbers. See topics.md "Signature".
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"

struct evp_pkey_st;

namespace fleetcast {

// Shared handle to an OpenSSL key.
using PKeyHandle = std::shared_ptr<evp_pkey_st>;

class TrustKey {
   public:
    // Reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) file holding an Ed25519 key.
    static Expected<TrustKey> load(const std::filesystem::path& pem_file);
    static Expected<TrustKey> from_pem(std::string_view pem);
    // First 16 hex digits of the SHA-256 of the raw 32-byte public key.
    const std::string& key_id() const { return key_id_; }
    std::string pem() const;
    bool verify(std::string_view message, std::string_view signature) const;

   private:
    friend class SigningKey;
    PKeyHandle key_;
    std::string key_id_;
};

// The manager keys a gateway or device trusts (R21 key rotation): a manifest
// is checked with the key its key_id names. Rotation: trust old + new, switch
// the manager's --signing-key (it re-signs what it publishes), then drop the old.
class TrustKeySet {
   public:
    TrustKeySet() = default;
    explicit TrustKeySet(std::vector<TrustKey> keys) : keys_(std::move(keys)) {}
    // One PEM file per key; an error names the file. Duplicate keys count once.
    static Expected<TrustKeySet> load(const std::vector<std::filesystem::path>& pem_files);
    const TrustKey* find(const std::string& key_id) const;
    bool empty() const { return keys_.empty(); }
    std::size_t size() const { return keys_.size(); }
    std::string ids() const;  // "a1b2..., c3d4..."

   private:
    std::vector<TrustKey> keys_;
};

class SigningKey {
   public:
    static Expected<SigningKey> generate();
    // Reads a PEM "PRIVATE KEY" (PKCS#8) file holding an Ed25519 key.
    static Expected<SigningKey> load(const std::filesystem::path& pem_file);
    // Writes the private key (mode 0600) and the public key, each atomically.
    Status save(const std::filesystem::path& private_pem, const std::filesystem::path& public_pem) const;
    std::string private_pem() const;
    const TrustKey& public_key() const { return public_; }
    const std::string& key_id() const { return public_.key_id(); }
    std::string sign(std::string_view message) const;  // 64 raw bytes

   private:
    PKeyHandle key_;
    TrustKey public_;
};

// SHA-256 over the concatenated 32-byte chunk digests, in chunk order.
Digest chunk_list_digest(const std::vector<Digest>& chunks);
// The per-chunk SHA-256 list of an image file (streamed, one chunk in memory).
Expected<std::vector<Digest>> chunk_digests_of_file(const std::filesystem::path& path, std::uint32_t chunk_size);
// The same for an image in memory (tests, tools).
std::vector<Digest> chunk_digests_of(std::string_view image, std::uint32_t chunk_size);

// The exact bytes the signature covers.
std::string manifest_signed_text(const FirmwareManifest& m);
// Sets key_id and signature. The manifest must carry its chunk list and expiry.
Status sign_manifest(FirmwareManifest& m, const SigningKey& key);
// Checks, in order: content address, chunk list, expiry at `now`, key id and
// signature. Every failure is a "bad_manifest" error whose message says why.
Status verify_manifest(const FirmwareManifest& m, const TrustKey& key, TimePoint now);
// The same with the trusted key the manifest's key_id names; a key not in the
// set is refused with the ids that are trusted.
Status verify_manifest(const FirmwareManifest& m, const TrustKeySet& keys, TimePoint now);

}  // namespace fleetcast
