// Signed manifests, anti-rollback and A/B power-loss safety on a real broker
// with the real programs (R21, R22).
#include <gtest/gtest.h>

#include <csignal>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

const std::string kDev1 = "A123-000001";

std::optional<Json> device_state_json(Fleet& fleet, const std::string& device) {
    auto text = read_file(fleet.device_dir(device) / "state.json");
    if (!text) return std::nullopt;
    auto j = Json::parse(*text, 64 * 1024 * 1024);
    if (!j) return std::nullopt;
    return std::move(*j);
}

// {slot, version} of a component according to the device's state file.
std::pair<std::string, std::string> booted(Fleet& fleet, const std::string& device, const std::string& component) {
    auto j = device_state_json(fleet, device);
    if (!j) return {};
    auto comps = json::get_object(j->get(), "components");
    if (!comps) return {};
    auto c = json::get_object(*comps, component.c_str());
    if (!c) return {};
    return {json::get_optional_string(*c, "slot").value_or(""), json::get_optional_string(*c, "version").value_or("")};
}

std::string slot_contents(Fleet& fleet, const std::string& device, const std::string& component) {
    auto [slot, version] = booted(fleet, device, component);
    auto img = read_file(fleet.device_dir(device) / "slots" / component / (slot + ".img"), 1ULL << 30);
    return img ? *img : std::string();
}

std::string create_campaign(Fleet& fleet, const std::vector<std::string>& args = {"--all"}) {
    std::vector<std::string> cmd{"campaign", "create"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    auto created = fleet.cli(cmd);
    EXPECT_EQ(created.exit_code, 0) << created.output;
    return created.output.substr(0, created.output.find('\n'));
}

// result and detail of every device of a finished campaign.
std::map<std::string, std::pair<std::string, std::string>> results_of(Fleet& fleet, const std::string& campaign) {
    fleet.cli({"results", campaign, "--wait-complete", "60"}, 90s);
    std::map<std::string, std::pair<std::string, std::string>> out;
    auto results = fleet.cli_json({"results", campaign});
    if (results.empty()) return out;
    auto devs = json::get_array(results.get(), "devices", 1000);
    if (!devs) return out;
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, *devs) {
        out[json::get_optional_string(d, "device").value_or("?")] = {
            json::get_optional_string(d, "result").value_or(""), json::get_optional_string(d, "detail").value_or("")};
    }
    return out;
}

std::string log_of(const ChildProcess& p) {
    auto text = read_file(p.log_path(), 64 * 1024 * 1024);
    return text ? *text : std::string();
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST(Security, TamperedChunkOnFanoutTopicIsRejectedAndRefetched) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    auto dev1 = fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    auto dev2 = fleet.start_devices("gw1", "A123", 1, 2, {"main=1.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 40 * 16 * 1024 + 99);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image, {"--chunk-size", "16384"}));
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    // Device 2 is frozen: the gateway waits for its ready (up to its ready
    // timeout) before the fan-out, which gives the rogue below its window.
    fleet.device_processes()[dev2].signal(SIGSTOP);

    // A rogue client on the broker forges every chunk (one byte changed, header
    // hash recomputed so only the signed per-chunk hash can tell) and publishes
    // the forgeries on the model's fan-out topic once device 1 is listening.
    Observer rogue(fleet.uri(), "rogue");
    rogue.subscribe(*topics::dev_event("gw1", kDev1));
    auto bytes = read_file(image.path, 1 << 30);
    ASSERT_TRUE(bytes);
    const std::uint32_t chunk = 16384, count = chunk_count_for(bytes->size(), chunk);
    auto campaign = create_campaign(fleet);
    ASSERT_TRUE(rogue.wait_for(
        [](const auto& stats) {
            for (const auto& [topic, s] : stats)
                if (s.last_payload.find("\"ready\"") != std::string::npos) return true;
            return false;
        },
        30s));
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string payload = bytes->substr(std::size_t{i} * chunk, chunk);
        payload[payload.size() / 2] ^= 0x5a;
        rogue.publish(*topics::site_model_chunk("gw1", "A123", image.fw_id), encode_chunk(i, count, payload));
    }
    // Every forgery is refused (one bad_chunk line each), nothing of it written.
    EXPECT_TRUE(eventually(
        [&] {
            return count_of(log_of(fleet.device_processes()[dev1]),
                            "bad_chunk device=A123-000001 campaign=" + campaign + " fw=" + image.fw_id) == count;
        },
        10s))
        << log_of(fleet.device_processes()[dev1]);
    fleet.device_processes()[dev2].signal(SIGCONT);

    // The genuine chunks still arrive and both devices end on the right image.
    auto results = results_of(fleet, campaign);
    ASSERT_EQ(results.size(), 2u);
    for (const auto& [dev, r] : results) EXPECT_EQ(r.first, "UPDATING COMPLETED") << dev << ": " << r.second;
    for (const char* id : {"A123-000001", "A123-000002"})
        EXPECT_EQ(to_hex(sha256(slot_contents(fleet, id, "main"))), image.sha256) << id;
    EXPECT_NE(log_of(fleet.device_processes()[dev1]).find("does not match its SHA-256 in the signed manifest"),
              std::string::npos);
}

TEST(Security, ManifestSignedByAnotherKeyIsRejected) {
    Fleet fleet;
    // The manager signs with a key the devices were not provisioned with, and the
    // gateway (compromised or misconfigured) accepts that key: the devices still refuse.
    auto rogue_key = fleet.make_key_pair("rogue");
    fleet.start_manager({"--signing-key", rogue_key.string()});
    fleet.start_gateway("gw1", "", {"--trust-key", (fleet.dir() / "keys" / "rogue.pub").string()});
    fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 100 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image));
    ASSERT_TRUE(fleet.wait_registered(2, 60s));

    auto results = results_of(fleet, create_campaign(fleet));
    ASSERT_EQ(results.size(), 2u);
    for (const auto& [dev, r] : results) {
        EXPECT_EQ(r.first, "ERROR") << dev;
        EXPECT_NE(r.second.find("bad_manifest"), std::string::npos) << r.second;
        EXPECT_NE(r.second.find("signed by key"), std::string::npos) << r.second;
        EXPECT_EQ(booted(fleet, dev, "main"), (std::pair<std::string, std::string>{"a", "1.0"}));
        EXPECT_FALSE(std::filesystem::exists(fleet.device_dir(dev) / "slots" / "main" / "b.img")) << dev;
    }
}

TEST(Security, GatewayRefusesManifestsItCannotVerifyAndReportsTheJobsFailed) {
    Fleet fleet;
    auto rogue_key = fleet.make_key_pair("rogue");
    fleet.start_manager({"--signing-key", rogue_key.string()});
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 50 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image));
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    Observer wire(fleet.uri(), "wire");
    wire.subscribe("fleetcast/v1/gw/+/fetch");

    auto results = results_of(fleet, create_campaign(fleet));
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results.begin()->second.first, "ERROR");
    EXPECT_NE(results.begin()->second.second.find("bad_manifest"), std::string::npos) << results.begin()->second.second;
    EXPECT_TRUE(wire.stats().empty()) << "the gateway fetched an image it could not verify";
}

TEST(Security, DowngradeIsRefused) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=2.0"});
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    Observer wire(fleet.uri(), "wire");
    wire.subscribe("fleetcast/v1/fw/+/manifest");
    wire.subscribe(*topics::dev_event("gw1", kDev1));
    auto older = fleet.make_image("A123", "main", "1.5", 60 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(older));

    // The manager plans no downgrade ...
    auto planned = fleet.cli({"campaign", "create", "--all"});
    EXPECT_NE(planned.exit_code, 0) << planned.output;
    // ... and a device offered the validly signed older image anyway (by a
    // gateway gone rogue) refuses it: the manifest does not allow a downgrade.
    ASSERT_TRUE(wire.wait_for([&](const auto& st) { return st.count(*topics::fw_manifest(older.fw_id)) > 0; }, 10s));
    auto manifest = decode_manifest(*wire.last_payload(*topics::fw_manifest(older.fw_id)));
    ASSERT_TRUE(manifest) << manifest.error().str();
    ASSERT_FALSE(manifest->signature.empty());
    Observer rogue_gateway(fleet.uri(), "rogue-gw");
    rogue_gateway.publish(*topics::dev_cmd("gw1", kDev1), encode(OfferCmd{"c-downgrade", {*manifest}}));
    EXPECT_TRUE(wire.wait_for(
        [&](const auto& st) {
            auto it = st.find(*topics::dev_event("gw1", kDev1));
            return it != st.end() && it->second.last_payload.find("\"rejected\"") != std::string::npos &&
                   it->second.last_payload.find("downgrade") != std::string::npos;
        },
        15s));
    EXPECT_EQ(booted(fleet, kDev1, "main").second, "2.0");

    // A manifest signed with allow_downgrade is installed.
    auto allowed = fleet.make_image("A123", "main", "1.4", 60 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(allowed, {"--allow-downgrade"}));
    auto results = results_of(fleet, create_campaign(fleet, {"--all", "--firmware", allowed.fw_id}));
    EXPECT_EQ(results[kDev1].first, "UPDATING COMPLETED") << results[kDev1].second;
    EXPECT_EQ(booted(fleet, kDev1, "main").second, "1.4");
}

TEST(Security, ReplayedOldManifestIsRefused) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    Observer wire(fleet.uri(), "wire");
    wire.subscribe("fleetcast/v1/fw/+/manifest");
    wire.subscribe(*topics::dev_event("gw1", kDev1));

    auto v2 = fleet.make_image("A123", "main", "2.0", 30 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(v2));
    auto first = create_campaign(fleet);
    ASSERT_EQ(results_of(fleet, first)[kDev1].first, "UPDATING COMPLETED");
    // The signed 2.0 manifest as it crossed the wire: an attacker's recording.
    ASSERT_TRUE(wire.wait_for([&](const auto& st) { return st.count(*topics::fw_manifest(v2.fw_id)) > 0; }, 10s));
    auto recorded = decode_manifest(*wire.last_payload(*topics::fw_manifest(v2.fw_id)));
    ASSERT_TRUE(recorded) << recorded.error().str();

    auto v3 = fleet.make_image("A123", "main", "3.0", 30 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(v3));
    ASSERT_EQ(results_of(fleet, create_campaign(fleet))[kDev1].first, "UPDATING COMPLETED");
    ASSERT_EQ(booted(fleet, kDev1, "main").second, "3.0");

    // Replayed: validly signed, not expired, but older than what runs.
    Observer attacker(fleet.uri(), "attacker");
    attacker.publish(*topics::dev_cmd("gw1", kDev1), encode(OfferCmd{first, {*recorded}}));
    EXPECT_TRUE(wire.wait_for(
        [](const auto& stats) {
            for (const auto& [topic, s] : stats)
                if (s.last_payload.find("\"rejected\"") != std::string::npos &&
                    s.last_payload.find("downgrade") != std::string::npos)
                    return true;
            return false;
        },
        15s));
    EXPECT_EQ(booted(fleet, kDev1, "main").second, "3.0");
    EXPECT_EQ(to_hex(sha256(slot_contents(fleet, kDev1, "main"))), v3.sha256);
}

TEST(Security, DeviceKilledDuringWriteBootsOldFirmwareThenCompletes) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    // Slow simulated flash (20 ms per 16 KiB chunk) so the kill lands mid-write.
    auto devs = fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--flash-write-delay", "20ms"});
    auto image = fleet.make_image("A123", "main", "2.0", 150 * 16 * 1024 + 5);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image, {"--chunk-size", "16384"}));
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    Observer wire(fleet.uri(), "wire");
    wire.subscribe(*topics::dev_event("gw1", kDev1));

    auto campaign = create_campaign(fleet);
    ASSERT_TRUE(wire.wait_for(
        [](const auto& stats) {
            for (const auto& [topic, s] : stats)
                if (s.last_payload.find("\"receiving\"") != std::string::npos) return true;
            return false;
        },
        30s));
    fleet.device_processes()[devs].signal(SIGKILL);  // power loss
    ASSERT_NE(fleet.device_processes()[devs].wait_exit(5s), -1);

    // What the device would boot now: the old image, untouched, with the update pending.
    EXPECT_EQ(booted(fleet, kDev1, "main"), (std::pair<std::string, std::string>{"a", "1.0"}));
    auto state = device_state_json(fleet, kDev1);
    ASSERT_TRUE(state);
    EXPECT_NE(cJSON_GetObjectItemCaseSensitive(state->get(), "update"), nullptr) << "update not persisted";
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(state->get(), "trial"), nullptr)
        << "flipped before the image was complete";

    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});  // power back: same state dir
    auto results = results_of(fleet, campaign);
    EXPECT_EQ(results[kDev1].first, "UPDATING COMPLETED") << results[kDev1].second;
    EXPECT_EQ(booted(fleet, kDev1, "main"), (std::pair<std::string, std::string>{"b", "2.0"}));
    EXPECT_EQ(to_hex(sha256(slot_contents(fleet, kDev1, "main"))), image.sha256);
}

TEST(Security, FailedFirstBootRollsBackAndIsReported) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--fail-first-boot", "main=2.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 80 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image));
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    auto old_image = slot_contents(fleet, kDev1, "main");

    auto results = results_of(fleet, create_campaign(fleet));
    EXPECT_EQ(results[kDev1].first, "ERROR");
    EXPECT_NE(results[kDev1].second.find("boot_failed"), std::string::npos) << results[kDev1].second;
    EXPECT_NE(results[kDev1].second.find("health check failed"), std::string::npos) << results[kDev1].second;
    // The old slot boots again, byte for byte; the new image stays in the other slot.
    EXPECT_EQ(booted(fleet, kDev1, "main"), (std::pair<std::string, std::string>{"a", "1.0"}));
    EXPECT_EQ(slot_contents(fleet, kDev1, "main"), old_image);
    auto devices = fleet.cli_json({"devices"});
    ASSERT_FALSE(devices.empty());
    EXPECT_NE(devices.dump().find("\"main\":\"1.0\""), std::string::npos) << devices.dump();
}

TEST(Security, KeyRotationMovesTheFleetToTheNewKeyAndRetiredKeysAreRefused) {
    // R21 key rotation: the gateway and device 1 trust the old and the new key,
    // device 2 was provisioned with the new key only, device 3 still trusts only
    // the old one. The image is added under the old key; then the manager
    // restarts with the new key and re-signs what it publishes.
    Fleet fleet;
    auto old_pub = fleet.trust_key().string();
    fleet.make_key_pair("manager-2027");
    const auto new_key = (fleet.dir() / "keys" / "manager-2027.key").string();
    const auto new_pub = (fleet.dir() / "keys" / "manager-2027.pub").string();
    fleet.start_manager();
    fleet.start_gateway("gw1", "", {"--trust-key", old_pub, "--trust-key", new_pub});
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--trust-key", old_pub, "--trust-key", new_pub});
    fleet.start_devices("gw1", "A123", 1, 2, {"main=1.0"}, "", {"--trust-key", new_pub});
    fleet.start_devices("gw1", "A123", 1, 3, {"main=1.0"}, "", {"--trust-key", old_pub});
    auto image = fleet.make_image("A123", "main", "2.0", 100 * 1024);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image));
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    fleet.manager().stop();
    fleet.start_manager({"--signing-key", new_key});
    auto results = results_of(fleet, create_campaign(fleet));
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results["A123-000001"].first, "UPDATING COMPLETED") << results["A123-000001"].second;
    EXPECT_EQ(results["A123-000002"].first, "UPDATING COMPLETED") << results["A123-000002"].second;
    EXPECT_EQ(booted(fleet, "A123-000002", "main").second, "2.0");
    // The retired key's device refuses the new signature and keeps its firmware.
    EXPECT_EQ(results["A123-000003"].first, "ERROR");
    EXPECT_NE(results["A123-000003"].second.find("not trusted here"), std::string::npos)
        << results["A123-000003"].second;
    EXPECT_EQ(booted(fleet, "A123-000003", "main"), (std::pair<std::string, std::string>{"a", "1.0"}));
}
