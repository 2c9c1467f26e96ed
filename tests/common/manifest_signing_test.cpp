// Ed25519 manifest signatures (R21): what verifies, and every way it must not.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "tests/support/test_keys.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;

namespace {

const TimePoint kNow = TimePoint(std::chrono::seconds(1795000000));

FirmwareManifest signed_manifest(const std::string& image = std::string(5000, 'x')) {
    FirmwareManifest m;
    m.sha256 = to_hex(sha256(image));
    m.fw_id = m.sha256.substr(0, 16);
    m.model = "A123";
    m.component = "main";
    m.version = "2.0";
    m.size = image.size();
    m.chunk_size = 1024;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    sign_for_test(m, image, *test_signing_key(), kNow + std::chrono::hours(1));
    return m;
}

}  // namespace

TEST(ManifestSigning, SignedManifestVerifiesAfterAJsonRoundTrip) {
    auto m = signed_manifest();
    EXPECT_EQ(m.signature.size(), 128u);
    EXPECT_EQ(m.key_id, test_signing_key()->key_id());
    auto back = decode_manifest(encode(m));
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->chunk_sha256, m.chunk_sha256);
    EXPECT_TRUE(verify_manifest(*back, *test_trust_key(), kNow));
}

TEST(ManifestSigning, AnyChangedSignedFieldBreaksTheSignature) {
    std::vector<std::function<void(FirmwareManifest&)>> changes = {
        [](auto& m) { m.version = "9.0"; },
        [](auto& m) { m.model = "B456"; },
        [](auto& m) { m.component = "df"; },
        [](auto& m) { m.allow_downgrade = true; },
        [](auto& m) { m.size -= 1; },
        [](auto& m) { m.chunk_sha256[2][0] ^= 1; },
        [](auto& m) { *m.expires_at += std::chrono::hours(100); },
        [](auto& m) { m.signature[5] = m.signature[5] == 'a' ? 'b' : 'a'; },
    };
    for (std::size_t i = 0; i < changes.size(); ++i) {
        auto m = signed_manifest();
        changes[i](m);
        auto st = verify_manifest(m, *test_trust_key(), kNow);
        ASSERT_FALSE(st) << "change " << i;
        EXPECT_EQ(st.error().code, "bad_manifest");
    }
}

TEST(ManifestSigning, UnsignedExpiredAndForeignManifestsAreRefusedWithTheReason) {
    auto unsigned_m = signed_manifest();
    unsigned_m.signature.clear();
    EXPECT_NE(verify_manifest(unsigned_m, *test_trust_key(), kNow).error().message.find("not signed"),
              std::string::npos);

    auto m = signed_manifest();
    auto expired = verify_manifest(m, *test_trust_key(), kNow + std::chrono::hours(2));
    ASSERT_FALSE(expired);
    EXPECT_NE(expired.error().message.find("expired"), std::string::npos);

    auto other = SigningKey::generate();
    ASSERT_TRUE(other);
    auto foreign = verify_manifest(m, other->public_key(), kNow);
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.error().message.find("signed by key " + m.key_id), std::string::npos);
    // Same key id claimed, signature by another key: still refused.
    auto forged = m;
    forged.key_id = other->key_id();
    ASSERT_TRUE(sign_manifest(forged, *other));
    forged.key_id = m.key_id;
    EXPECT_FALSE(verify_manifest(forged, *test_trust_key(), kNow));
}

TEST(ManifestSigning, TrustKeySetChecksWithTheKeyTheManifestNames) {
    auto old_key = test_signing_key();
    auto new_key = SigningKey::generate();
    ASSERT_TRUE(new_key);
    auto by_old = signed_manifest();
    auto by_new = by_old;
    ASSERT_TRUE(sign_manifest(by_new, *new_key));

    TrustKeySet both({old_key->public_key(), new_key->public_key()});
    EXPECT_TRUE(verify_manifest(by_old, both, kNow)) << "during a rotation both keys are trusted";
    EXPECT_TRUE(verify_manifest(by_new, both, kNow));

    TrustKeySet retired({new_key->public_key()});
    auto refused = verify_manifest(by_old, retired, kNow);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "bad_manifest");
    EXPECT_NE(refused.error().message.find("not trusted here (trusted: " + new_key->key_id() + ")"), std::string::npos)
        << refused.error().message;
    // The checks before the key still come first, and an empty set trusts nothing.
    auto expired = verify_manifest(by_new, both, kNow + std::chrono::hours(2));
    EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
    EXPECT_FALSE(verify_manifest(by_new, TrustKeySet(), kNow));
    // A forged signature under a trusted id is still refused.
    auto forged = by_new;
    forged.signature = by_old.signature;
    EXPECT_FALSE(verify_manifest(forged, both, kNow));
}

TEST(ManifestSigning, TrustKeySetLoadsEachFileOnceAndNamesABadOne) {
    auto dir = std::filesystem::temp_directory_path() / ("fc-trust-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto a = SigningKey::generate();
    auto b = SigningKey::generate();
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(a->save(dir / "a.key", dir / "a.pub"));
    ASSERT_TRUE(b->save(dir / "b.key", dir / "b.pub"));
    auto set = TrustKeySet::load({dir / "a.pub", dir / "b.pub", dir / "a.pub"});
    ASSERT_TRUE(set) << set.error().str();
    EXPECT_EQ(set->size(), 2u);
    EXPECT_NE(set->find(b->key_id()), nullptr);
    EXPECT_EQ(set->ids(), a->key_id() + ", " + b->key_id());
    auto bad = TrustKeySet::load({dir / "a.pub", dir / "missing.pub"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().str().find("missing.pub"), std::string::npos) << bad.error().str();
    EXPECT_FALSE(TrustKeySet::load({}));
    std::filesystem::remove_all(dir);
}

TEST(ManifestSigning, KeysSurviveSaveAndLoad) {
    auto dir = std::filesystem::temp_directory_path() / ("fc-keys-" + std::to_string(::getpid()));
    auto key = SigningKey::generate();
    ASSERT_TRUE(key);
    ASSERT_TRUE(key->save(dir / "m.key", dir / "m.pub"));
    EXPECT_EQ(std::filesystem::status(dir / "m.key").permissions() & std::filesystem::perms::others_read,
              std::filesystem::perms::none);
    auto loaded = SigningKey::load(dir / "m.key");
    auto trust = TrustKey::load(dir / "m.pub");
    ASSERT_TRUE(loaded) << loaded.error().str();
    ASSERT_TRUE(trust) << trust.error().str();
    EXPECT_EQ(loaded->key_id(), key->key_id());
    EXPECT_EQ(trust->key_id(), key->key_id());
    EXPECT_FALSE(TrustKey::load(dir / "m.key")) << "a private key file is not a trust key";
    EXPECT_FALSE(SigningKey::load(dir / "missing.key"));
    std::filesystem::remove_all(dir);
}

TEST(ManifestSigning, ChunkListIsCheckedWhenDecoded) {
    auto m = signed_manifest();
    auto j = Json::object();
    json::put(j.get(), "type", "manifest");
    to_json(j.get(), m);
    cJSON_ReplaceItemInObject(j.get(), "chunk_sha256", cJSON_CreateString("abcd"));
    auto bad = decode_manifest(j.dump());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, "bad_manifest");
}
