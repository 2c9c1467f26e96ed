// Manifests (retained topic, offers) and their signature check.
#include <cstdlib>

#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    using namespace fleetcast;
    static const TrustKey key = SigningKey::generate()->public_key();
    auto m = decode_manifest(input);
    if (!m) return;
    // Nobody holds the key's private half: no input may verify.
    if (verify_manifest(*m, key, TimePoint{})) std::abort();
    // What decodes re-encodes to something that decodes to the same manifest.
    auto again = decode_manifest(encode(*m));
    if (!again || again->fw_id != m->fw_id || again->chunk_sha256 != m->chunk_sha256 ||
        again->signature != m->signature)
        std::abort();
}
