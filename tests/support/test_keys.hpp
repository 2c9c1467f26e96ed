#pragma once
// Signing for unit tests: one manager key pair per test process, and a helper
// that completes a hand-built manifest (chunk list, expiry) and signs it, the
// way the manager does (common/manifest_signing.hpp).
#include <chrono>
#include <memory>
#include <string_view>

#include "common/manifest_signing.hpp"

namespace fleetcast::testing {

inline std::shared_ptr<const SigningKey> test_signing_key() {
    static const std::shared_ptr<const SigningKey> key = [] {
        auto k = SigningKey::generate();
        return std::make_shared<const SigningKey>(std::move(*k));
    }();
    return key;
}

inline std::shared_ptr<const TrustKey> test_trust_key() {
    return std::make_shared<const TrustKey>(test_signing_key()->public_key());
}

// What gateways and devices are configured with: the test key alone.
inline std::shared_ptr<const TrustKeySet> test_trust_keys() {
    return std::make_shared<const TrustKeySet>(std::vector<TrustKey>{test_signing_key()->public_key()});
}

// Far beyond any ManualClock start used by the tests (2100-01-01).
inline TimePoint test_manifest_expiry() { return TimePoint(std::chrono::seconds(4102444800LL)); }

// Fills chunk_sha256 from `image`, sets the expiry and signs.
inline void sign_for_test(FirmwareManifest& m, std::string_view image, const SigningKey& key = *test_signing_key(),
                          TimePoint expires = test_manifest_expiry()) {
    m.chunk_sha256 = chunk_digests_of(image, m.chunk_size);
    m.expires_at = expires;
    (void)sign_manifest(m, key);
}

// Signs again after a test changed a signed field.
inline void resign_for_test(FirmwareManifest& m) { (void)sign_manifest(m, *test_signing_key()); }

}  // namespace fleetcast::testing
