// Issue 17 (R30): a delta from each device's version made once at the
// manager, cached once at the site and fanned out once per (model, source
// version); the device rebuilds and checks the exact target image; a device
// whose active slot is not the source gets the full image. Real broker, real
// programs; an independent subscriber counts what crossed each link.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <random>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_views.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

std::string device_id(int serial) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "A123-%06d", serial);
    return buf;
}

struct DeltaSite {
    Fleet fleet;
    Observer wire{fleet.uri(), "wire-observer"};
    std::size_t devices_process = 0;

    explicit DeltaSite(int devices, const std::vector<std::string>& device_args = {},
                       const std::vector<std::string>& manager_args = {}) {
        for (auto f : {"fleetcast/v1/gw/+/fw/+/chunk", "fleetcast/v1/site/+/model/+/fw/+/chunk",
                       "fleetcast/v1/site/+/dev/+/fw/+/chunk"})
            wire.subscribe(f);
        fleet.start_manager(manager_args);
        fleet.start_gateway("gw1");
        devices_process = fleet.start_devices("gw1", "A123", devices, 1, {"main=1.0"}, "", device_args);
    }

    // An image derived from `base`: a few bytes changed every 128 KiB and
    // `fresh` new random bytes inserted in the middle (a "next release").
    ImageFile derived(const ImageFile& base, const std::string& version, std::uint32_t seed, std::size_t fresh) {
        auto bytes = read_file(base.path, 1ULL << 30);
        EXPECT_TRUE(bytes);
        std::string s = bytes ? *bytes : std::string();
        std::mt19937 rng(seed);
        for (std::size_t i = seed % 4096; i < s.size(); i += 128 * 1024) s[i] = static_cast<char>(rng());
        std::string added(fresh, '\0');
        for (auto& c : added) c = static_cast<char>(rng());
        s.insert(s.size() / 2, added);
        ImageFile img;
        img.path = fleet.dir() / ("image-" + version + ".bin");
        EXPECT_TRUE(write_file_atomic(img.path, s));
        img.model = base.model;
        img.component = base.component;
        img.version = version;
        img.size = s.size();
        img.sha256 = to_hex(sha256(s));
        return img;
    }

    std::string campaign(const std::vector<std::string>& args) {
        std::vector<std::string> cmd{"campaign", "create"};
        cmd.insert(cmd.end(), args.begin(), args.end());
        auto created = fleet.cli(cmd);
        EXPECT_EQ(created.exit_code, 0) << created.output;
        return created.output.substr(0, created.output.find('\n'));
    }
    bool completed(const std::string& campaign, std::chrono::seconds wait = 120s) {
        auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(wait.count())}, wait + 20s);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.exit_code == 0;
    }
    // Adds `img` and installs it (full image) on `devices` (ids).
    void install(ImageFile& img, const std::vector<std::string>& devices) {
        fleet.add_firmware(img);
        std::vector<std::string> args{"--firmware", img.fw_id};
        for (const auto& d : devices) args.insert(args.end(), {"--device", d});
        ASSERT_TRUE(completed(campaign(args)));
    }
    // The delta the manager made to `target` from `source_version`.
    std::optional<FirmwareManifest> delta(const ImageFile& target, const std::string& source_version) {
        auto j = fleet.cli_json({"firmware", "list"});
        if (j.empty()) return std::nullopt;
        auto answer = firmware_list_answer_from_json(j.get());
        if (!answer) return std::nullopt;
        for (const auto& r : answer->firmware)
            if (is_delta(r.manifest) && r.manifest.encoding->target_sha256 == target.sha256 &&
                r.manifest.encoding->source_version == source_version)
                return r.manifest;
        return std::nullopt;
    }
    // The same, waiting for it: a campaign's deltas are made after `campaign create` answered.
    std::optional<FirmwareManifest> made_delta(const ImageFile& target, const std::string& source_version) {
        std::optional<FirmwareManifest> d;
        eventually([&] { return (d = delta(target, source_version)).has_value(); }, 60s);
        return d;
    }
    Observer::TopicStats stat(const std::string& topic) const {
        auto all = wire.stats();
        auto it = all.find(topic);
        return it == all.end() ? Observer::TopicStats{} : it->second;
    }
    std::uint64_t up(const std::string& fw) const { return stat(*topics::gw_chunk("gw1", fw)).messages; }
    std::uint64_t fanout(const std::string& fw) const {
        return stat(*topics::site_model_chunk("gw1", "A123", fw)).messages;
    }
    std::uint64_t repairs() const {
        std::uint64_t n = 0;
        for (const auto& [topic, s] : wire.stats())
            if (topic.find("/dev/") != std::string::npos && topic.find("/chunk") != std::string::npos) n += s.messages;
        return n;
    }
    // The slot file a device boots `main` from, by its state file.
    std::filesystem::path active_slot(const std::string& device) const {
        auto text = read_file(fleet.device_dir(device) / "state.json");
        if (!text) return {};
        auto j = Json::parse(*text, 64 * 1024 * 1024);
        if (!j) return {};
        auto comps = json::get_object(j->get(), "components");
        if (!comps) return {};
        auto c = json::get_object(*comps, "main");
        if (!c) return {};
        return fleet.device_dir(device) / "slots" / "main" /
               (json::get_optional_string(*c, "slot").value_or("") + ".img");
    }
    std::string booted_sha256(const std::string& device) const {
        auto d = sha256_file(active_slot(device));
        return d ? to_hex(*d) : std::string();
    }
    std::string log_of(const ChildProcess& p) const {
        auto text = read_file(p.log_path(), 64 * 1024 * 1024);
        return text ? *text : std::string();
    }
};

std::uint32_t chunks_of(std::uint64_t size) { return chunk_count_for(size, kDefaultChunkSize); }

}  // namespace

TEST(Delta, DeviceOnTheSourceVersionGetsTheDeltaAndBootsTheExactTargetImage) {
    DeltaSite site(2);
    ASSERT_TRUE(site.fleet.wait_registered(2, 60s));
    auto v1 = site.fleet.make_image("A123", "main", "1.1", 2 * 1024 * 1024 + 123);
    ASSERT_NO_FATAL_FAILURE(site.install(v1, {device_id(1), device_id(2)}));
    auto v2 = site.derived(v1, "1.2", 7, 20000);
    site.fleet.add_firmware(v2);

    auto c = site.campaign({"--all"});
    ASSERT_TRUE(site.completed(c));
    auto delta = site.delta(v2, "1.1");
    ASSERT_TRUE(delta) << "the manager made no delta 1.1 -> 1.2";
    EXPECT_EQ(delta->encoding->source_sha256, v1.sha256);
    EXPECT_LT(delta->size * 100, v2.size * 15) << "a small change makes a delta below 15 % of the image";
    for (int s = 1; s <= 2; ++s) EXPECT_EQ(site.booted_sha256(device_id(s)), v2.sha256) << device_id(s);

    // Only the delta crossed each link: once to the gateway, once on the model's delta topic.
    EXPECT_EQ(site.up(delta->fw_id), delta->chunk_count);
    EXPECT_EQ(site.fanout(delta->fw_id), delta->chunk_count);
    EXPECT_EQ(site.up(v2.fw_id), 0u) << "the full image never crossed the manager link";
    EXPECT_EQ(site.fanout(v2.fw_id), 0u) << "nor the site link";

    // Issue 17 item 7: `results --json` shows, for the manager->gateway link,
    // the chunk bytes the independent observer counted on the gateway's chunk
    // topics of this campaign's artifacts (wire payloads less each chunk's
    // header), and what the delta saved against the full image.
    auto answer = site.fleet.cli_json({"results", c});
    auto results = results_answer_from_json(answer.get());
    ASSERT_TRUE(results) << results.error().str();
    ASSERT_TRUE(results->links) << "no bytes per link in the results";
    ASSERT_EQ(results->links->size(), 1u);
    const auto& link = results->links->front();
    EXPECT_EQ(link.gateway, "gw1");
    std::uint64_t observed = 0;
    for (const auto& fw : {delta->fw_id, v2.fw_id}) {
        const auto s = site.stat(*topics::gw_chunk("gw1", fw));
        observed += s.bytes - s.messages * kChunkHeaderSize;
    }
    EXPECT_EQ(link.bytes, observed);
    EXPECT_EQ(link.bytes, delta->size);
    EXPECT_EQ(link.saved, v2.size - delta->size);
}

TEST(Delta, DeviceWithAModifiedActiveSlotFallsBackToTheFullImage) {
    DeltaSite site(2);
    ASSERT_TRUE(site.fleet.wait_registered(2, 60s));
    auto v1 = site.fleet.make_image("A123", "main", "1.1", 1024 * 1024 + 5);
    ASSERT_NO_FATAL_FAILURE(site.install(v1, {device_id(1), device_id(2)}));
    // Device 2's active slot is changed on the device (a local patch): it is no longer the delta's source.
    {
        std::fstream f(site.active_slot(device_id(2)), std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(f);
        f.seekp(1000);
        f.write("locally patched", 15);
    }
    auto v2 = site.derived(v1, "1.2", 9, 10000);
    site.fleet.add_firmware(v2);

    auto c = site.campaign({"--all"});
    ASSERT_TRUE(site.completed(c));
    auto delta = site.delta(v2, "1.1");
    ASSERT_TRUE(delta);
    for (int s = 1; s <= 2; ++s) EXPECT_EQ(site.booted_sha256(device_id(s)), v2.sha256) << device_id(s);
    EXPECT_EQ(site.fanout(delta->fw_id), delta->chunk_count) << "device 1 took the delta";
    EXPECT_EQ(site.up(v2.fw_id), chunks_of(v2.size)) << "the full image crossed the manager link once, for device 2";
    EXPECT_EQ(site.fanout(v2.fw_id), chunks_of(v2.size));
    const auto device_log = site.log_of(site.fleet.device_processes()[site.devices_process]);
    EXPECT_NE(device_log.find("delta_fallback device=" + device_id(2)), std::string::npos) << "the reason is logged";
    EXPECT_EQ(device_log.find("delta_fallback device=" + device_id(1)), std::string::npos);
    const auto gateway_log = site.log_of(site.fleet.gateway("gw1"));
    EXPECT_NE(gateway_log.find("delta_fallback"), std::string::npos);
    EXPECT_NE(gateway_log.find("active slot of main has SHA-256"), std::string::npos) << "and reported";
}

TEST(Delta, DevicesOnDifferentVersionsEachGetTheirOwnDelta) {
    DeltaSite site(3);
    ASSERT_TRUE(site.fleet.wait_registered(3, 60s));
    auto v11 = site.fleet.make_image("A123", "main", "1.1", 1024 * 1024 + 9);
    ASSERT_NO_FATAL_FAILURE(site.install(v11, {device_id(1)}));
    auto v12 = site.derived(v11, "1.2", 3, 8000);
    ASSERT_NO_FATAL_FAILURE(site.install(v12, {device_id(2)}));
    // Device 3 still runs its factory 1.0, of which the manager has no image: it gets the full image.
    auto v13 = site.derived(v12, "1.3", 5, 8000);
    site.fleet.add_firmware(v13);

    auto c = site.campaign({"--all", "--firmware", v13.fw_id});
    ASSERT_TRUE(site.completed(c));
    auto from11 = site.delta(v13, "1.1");
    auto from12 = site.delta(v13, "1.2");
    ASSERT_TRUE(from11);
    ASSERT_TRUE(from12);
    EXPECT_NE(from11->fw_id, from12->fw_id);
    for (int s = 1; s <= 3; ++s) EXPECT_EQ(site.booted_sha256(device_id(s)), v13.sha256) << device_id(s);
    // One group per (model, source version), each artifact once per link.
    EXPECT_EQ(site.up(from11->fw_id), from11->chunk_count);
    EXPECT_EQ(site.fanout(from11->fw_id), from11->chunk_count);
    EXPECT_EQ(site.up(from12->fw_id), from12->chunk_count);
    EXPECT_EQ(site.fanout(from12->fw_id), from12->chunk_count);
    EXPECT_EQ(site.up(v13.fw_id), chunks_of(v13.size));
    EXPECT_EQ(site.fanout(v13.fw_id), chunks_of(v13.size));
}

// Issue 17 follow-up: a big image's next release, changed a little in every
// 256 bytes (zstd finds ~100,000 matches: seconds of work at level 12), and a
// device running the release before it (installed as a full image).
struct BigDeltaSite : DeltaSite {
    ImageFile v1, v2;
    // While this file exists the manager's delta worker holds each job before starting it.
    std::filesystem::path hold;
    BigDeltaSite()
        : BigDeltaSite(std::filesystem::temp_directory_path() /
                       ("fleetcast-hold-" + std::to_string(std::random_device{}()))) {}
    explicit BigDeltaSite(const std::filesystem::path& h)
        : DeltaSite(1, {}, {"--delta-hold-file", h.string()}), hold(h) {}
    ~BigDeltaSite() { release_worker(); }
    void hold_worker() { std::ofstream(hold) << "held"; }
    // `campaign create --all` while the worker is held: the answer comes at
    // once and says one delta is being prepared. Returns the campaign id.
    std::string create_preparing() {
        auto created = fleet.cli({"campaign", "create", "--all"});
        EXPECT_EQ(created.exit_code, 0) << created.output;
        EXPECT_NE(created.output.find("preparing: 1 delta"), std::string::npos) << created.output;
        return created.output.substr(0, created.output.find('\n'));
    }
    void release_worker() {
        std::error_code ec;
        std::filesystem::remove(hold, ec);
    }
    void prepare() {
        ASSERT_TRUE(fleet.wait_registered(1, 60s));
        v1 = fleet.make_image("A123", "main", "1.1", 24 * 1024 * 1024 + 77);
        ASSERT_NO_FATAL_FAILURE(install(v1, {device_id(1)}));
        auto bytes = read_file(v1.path, 1ULL << 30);
        ASSERT_TRUE(bytes);
        std::mt19937 rng(11);
        for (std::size_t i = 100; i < bytes->size(); i += 256) (*bytes)[i] = static_cast<char>(rng());
        v2 = v1;
        v2.version = "1.2";
        v2.path = fleet.dir() / "image-1.2.bin";
        ASSERT_TRUE(write_file_atomic(v2.path, *bytes));
        v2.sha256 = to_hex(sha256(*bytes));
        fleet.add_firmware(v2);
    }
    std::string state(const std::string& campaign) {
        auto j = fleet.cli_json({"results", campaign});
        auto r =
            j.empty() ? Expected<ResultsAnswer>(make_error("none", "no answer")) : results_answer_from_json(j.get());
        return r ? r->control.state : "<" + r.error().str() + ">";
    }
    // The manager log's lines, in order, from `from`.
    std::size_t at(const std::string& text, std::size_t from = 0) { return log_of(fleet.manager()).find(text, from); }
    // The device booted the exact target, and the delta (not the image) crossed both links.
    void check_delta_used() {
        auto delta = this->delta(v2, "1.1");
        ASSERT_TRUE(delta) << "no delta 1.1 -> 1.2 was made";
        EXPECT_EQ(booted_sha256(device_id(1)), v2.sha256);
        EXPECT_EQ(up(delta->fw_id), delta->chunk_count);
        EXPECT_EQ(fanout(delta->fw_id), delta->chunk_count);
        EXPECT_EQ(up(v2.fw_id), 0u) << "the full image never crossed the manager link";
    }
};

// While the worker makes the delta of a 24 MiB image, the manager's loop
// answers operators and stores device reports: asserted by the order of
// events (the worker is held by --delta-hold-file until the answers and the
// report are in; they say `preparing`), not by timing.
TEST(DeltaWorker, ManagerAnswersAndStoresReportsWhileABigDeltaIsMadeThenTheCampaignCompletesWithIt) {
    BigDeltaSite site;
    ASSERT_NO_FATAL_FAILURE(site.prepare());
    site.hold_worker();
    const auto c = site.create_preparing();

    // An operator request while the delta is being made.
    EXPECT_EQ(site.state(c), "preparing");
    auto list = site.fleet.cli({"campaign", "list"});
    EXPECT_NE(list.output.find("preparing"), std::string::npos) << list.output;
    // A device report: a new device registers (the gateway reports it) while the delta is being made.
    site.fleet.start_devices("gw1", "A123", 1, 50, {"main=1.0"});
    ASSERT_TRUE(site.fleet.wait_registered(2, 60s));
    EXPECT_EQ(site.state(c), "preparing") << "the device was stored before the delta was done";

    const auto submitted = site.at("delta_submitted campaign=" + c);
    ASSERT_NE(submitted, std::string::npos);
    const auto seen = site.at("device_seen gateway=gw1 device=A123-000050", submitted);
    EXPECT_NE(seen, std::string::npos) << "the report was handled after the delta was submitted";
    site.release_worker();
    ASSERT_TRUE(site.completed(c));
    const auto made = site.at("delta_made");
    ASSERT_NE(made, std::string::npos);
    EXPECT_LT(seen, made) << "and before it was made";
    EXPECT_LT(site.at("campaign_prepared campaign=" + c), site.at("schedule_published campaign=" + c))
        << "the schedule went out after the preparation";
    site.check_delta_used();
}

// State written before acting: a manager killed while preparing resumes the
// preparation from its database after a restart.
TEST(DeltaWorker, ManagerKilledWhilePreparingFinishesTheCampaignAfterARestart) {
    BigDeltaSite site;
    ASSERT_NO_FATAL_FAILURE(site.prepare());
    site.hold_worker();
    const auto c = site.create_preparing();
    ASSERT_EQ(site.state(c), "preparing");
    site.fleet.manager().signal(SIGKILL);
    site.fleet.manager().wait_exit(10s);
    EXPECT_EQ(site.at("delta_made"), std::string::npos) << "killed before the delta was made: it proves nothing";
    site.release_worker();
    site.fleet.restart_manager();
    ASSERT_TRUE(site.completed(c));
    const auto first = site.at("delta_submitted campaign=" + c);
    ASSERT_NE(first, std::string::npos);
    EXPECT_NE(site.at("delta_submitted campaign=" + c, first + 1), std::string::npos) << "submitted again at start";
    site.check_delta_used();
    for (const auto& entry : std::filesystem::directory_iterator(site.fleet.dir() / "manager" / "images"))
        EXPECT_NE(entry.path().filename().string().rfind(".delta-", 0), 0u) << "no half-made file left";
}

// R23 for deltas: the gateway killed with half the delta cached asks only for
// the rest; the device killed with half the delta staged asks only for the rest.
TEST(Delta, KillAtHalfResumesWithoutStartingOver) {
    // Slow flash: the device is still receiving when it is killed, however loaded the machine.
    DeltaSite site(1, {"--flash-write-delay", "25ms"});
    ASSERT_TRUE(site.fleet.wait_registered(1, 60s));
    auto v1 = site.fleet.make_image("A123", "main", "1.1", 4 * 1024 * 1024 + 3);
    site.fleet.add_firmware(v1, {"--chunk-size", "16384"});
    std::vector<std::string> args{"--firmware", v1.fw_id, "--device", device_id(1)};
    ASSERT_TRUE(site.completed(site.campaign(args)));
    // The second half is new: a delta of about 2 MiB, ~130 chunks of 16 KiB.
    auto v2 = site.derived(v1, "1.2", 13, 2 * 1024 * 1024);
    site.fleet.add_firmware(v2, {"--chunk-size", "16384"});
    site.wire.subscribe("fleetcast/v1/site/+/dev/+/event");

    // Hop 1: one chunk asked at a time; at half, the manager is frozen (nothing
    // more is sent) and the gateway killed, then both go on.
    site.fleet.gateway("gw1").signal(SIGKILL);
    site.fleet.gateway("gw1").wait_exit(5s);
    site.fleet.start_gateway("gw1", "", {"--fetch-window", "1"});
    auto c = site.campaign({"--all"});
    auto delta = site.made_delta(v2, "1.1");
    ASSERT_TRUE(delta);
    const auto chunks = delta->chunk_count;
    ASSERT_GT(chunks, 60u);
    ASSERT_TRUE(eventually([&] { return site.up(delta->fw_id) >= chunks / 2; }, 60s));
    site.fleet.manager().signal(SIGSTOP);
    const auto cache = site.fleet.dir() / "gateway-gw1" / "cache" / (delta->fw_id + ".img");
    EXPECT_FALSE(std::filesystem::exists(cache)) << "the delta was cached whole before the kill: it proves nothing";
    site.fleet.gateway("gw1").signal(SIGKILL);
    site.fleet.gateway("gw1").wait_exit(5s);
    site.fleet.start_gateway("gw1", "", {"--fetch-window", "1"});
    site.fleet.manager().signal(SIGCONT);

    // Hop 2: the device killed once it reported half of the delta, restarted.
    auto half = [&] {
        for (const auto& [topic, s] : site.wire.stats())
            if (topic.find("/event") != std::string::npos &&
                s.last_payload.find("\"receiving\",\"percent\":") != std::string::npos) {
                auto at = s.last_payload.find("\"percent\":");
                if (std::stoi(s.last_payload.substr(at + 10)) >= 50) return true;
            }
        return false;
    };
    ASSERT_TRUE(eventually(half, 120s)) << "the device never reported half of the delta";
    auto& devices = site.fleet.device_processes()[site.devices_process];
    devices.signal(SIGKILL);
    devices.wait_exit(5s);
    site.fleet.restart_devices(site.devices_process);

    ASSERT_TRUE(site.completed(c, 180s));
    EXPECT_EQ(site.booted_sha256(device_id(1)), v2.sha256);
    const auto up = site.up(delta->fw_id);
    const auto fan = site.fanout(delta->fw_id);
    const auto repaired = site.stat(*topics::dev_chunk("gw1", device_id(1), delta->fw_id)).messages;
    std::printf("delta %u chunks: manager link %llu, fan-out %llu, repairs %llu\n", chunks,
                static_cast<unsigned long long>(up), static_cast<unsigned long long>(fan),
                static_cast<unsigned long long>(repaired));
    EXPECT_LE(up, chunks + 2u) << "the restarted gateway asked again only for what it lacked";
    EXPECT_EQ(fan, chunks) << "one fan-out of the delta";
    EXPECT_LE(repaired, chunks - chunks / 2) << "the restarted device asked only for what it lacked (it had half)";
    EXPECT_EQ(site.up(v2.fw_id), 0u);
}

// A delta corrupted in the gateway's cache (a flipped bit on its disk) is never
// sent: the chunk fails its signed hash when read, is fetched again alone, and
// the device rebuilds and boots exactly the signed target.
TEST(Delta, TamperedDeltaIsRefusedBeforeTheFlip) {
    DeltaSite site(1);
    ASSERT_TRUE(site.fleet.wait_registered(1, 60s));
    auto v1 = site.fleet.make_image("A123", "main", "1.1", 1024 * 1024 + 17);
    ASSERT_NO_FATAL_FAILURE(site.install(v1, {device_id(1)}));
    auto v2 = site.derived(v1, "1.2", 17, 300000);  // a delta of about 5 chunks
    site.fleet.add_firmware(v2);

    // Pushed at once, installed 12 s later: the cached delta is tampered with in between.
    auto c = site.campaign(
        {"--all", "--mode", "push", "--transmit-at", "now", "--update-at", "+12s", "--campaign", "c-tamper"});
    const auto update_at = std::chrono::system_clock::now() + 12s;
    auto delta = site.made_delta(v2, "1.1");
    ASSERT_TRUE(delta);
    ASSERT_GE(delta->chunk_count, 3u);
    const auto cache = site.fleet.dir() / "gateway-gw1" / "cache" / (delta->fw_id + ".img");
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(cache); }, 30s)) << "delta never cached";
    {
        std::fstream f(cache, std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(f);
        f.seekp(static_cast<std::streamoff>(kDefaultChunkSize) + 100);
        f.write("tampered", 8);
    }
    ASSERT_LT(std::chrono::system_clock::now(), update_at) << "tampered too late to prove anything";

    ASSERT_TRUE(site.completed(c));
    EXPECT_EQ(site.booted_sha256(device_id(1)), v2.sha256) << "the device booted exactly the signed target";
    EXPECT_EQ(site.up(delta->fw_id), delta->chunk_count + 1u) << "only the tampered chunk crossed again";
    EXPECT_EQ(site.fanout(delta->fw_id), delta->chunk_count);
    const auto gateway_log = site.log_of(site.fleet.gateway("gw1"));
    EXPECT_NE(gateway_log.find("cache_chunk_corrupt"), std::string::npos);
    EXPECT_NE(gateway_log.find("cache_chunk_repaired"), std::string::npos);
    EXPECT_EQ(site.up(v2.fw_id), 0u);
}

// Issue 17 item 2: an image that compresses crosses both links zstd-compressed
// (chunk hashes over the wire bytes); the device installs exactly the signed
// image (its SHA-256 over the installed bytes).
TEST(Compression, CompressibleImageCrossesTheLinksCompressed) {
    DeltaSite site(2);
    ASSERT_TRUE(site.fleet.wait_registered(2, 60s));
    std::string text;
    for (int i = 0; text.size() < 3 * 1024 * 1024; ++i)
        text +=
            "fleetcast firmware table row " + std::to_string(i) + " value " + std::to_string(i * 7919 % 1000) + "\n";
    ImageFile image;
    image.path = site.fleet.dir() / "text-image.bin";
    ASSERT_TRUE(write_file_atomic(image.path, text));
    image.model = "A123";
    image.component = "main";
    image.version = "2.0";
    image.size = text.size();
    image.sha256 = to_hex(sha256(text));
    site.fleet.add_firmware(image);

    auto c = site.campaign({"--all"});
    ASSERT_TRUE(site.completed(c));
    std::optional<FirmwareManifest> packed;
    auto j = site.fleet.cli_json({"firmware", "list"});
    ASSERT_FALSE(j.empty());
    auto answer = firmware_list_answer_from_json(j.get());
    ASSERT_TRUE(answer);
    for (const auto& r : answer->firmware)
        if (r.manifest.encoding && !is_delta(r.manifest) && r.manifest.encoding->target_sha256 == image.sha256)
            packed = r.manifest;
    ASSERT_TRUE(packed) << "the manager made no compressed copy";
    EXPECT_LT(packed->size * 4, image.size) << "text compresses well";
    for (int s = 1; s <= 2; ++s) EXPECT_EQ(site.booted_sha256(device_id(s)), image.sha256) << device_id(s);
    EXPECT_EQ(site.up(packed->fw_id), packed->chunk_count);
    EXPECT_EQ(site.fanout(packed->fw_id), packed->chunk_count);
    EXPECT_EQ(site.up(image.fw_id), 0u) << "the uncompressed image never crossed a link";
    EXPECT_EQ(site.fanout(image.fw_id), 0u);
}
