// Campaign-level pause, resume and cancel on a real broker (issue 16): real
// manager, gateways and device simulators; an independent subscriber counts
// every message that crosses each site link.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

using Stats = std::map<std::string, Observer::TopicStats>;

std::uint64_t count(const Stats& s, const std::string& topic) {
    auto it = s.find(topic);
    return it == s.end() ? 0 : it->second.messages;
}

// A fleet of two gateways: gw1 with A123-000001..2, gw2 with A123-000003
// (main 1.0, simulated flash of 100 ms a chunk: the transfer takes ~6 s), and
// an image main 2.0 of 60 chunks.
struct TwoSites {
    Fleet fleet;
    ImageFile image;
    std::uint32_t chunks = 0;
    const std::vector<std::string> devices{"A123-000001", "A123-000002", "A123-000003"};
    TwoSites() {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        fleet.start_gateway("gw2");
        fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"}, "", {"--flash-write-delay", "100ms"});
        fleet.start_devices("gw2", "A123", 1, 3, {"main=1.0"}, "", {"--flash-write-delay", "100ms"});
        const std::uint64_t size = 60 * kDefaultChunkSize;
        chunks = chunk_count_for(size, kDefaultChunkSize);
        image = fleet.make_image("A123", "main", "2.0", size);
        fleet.add_firmware(image);
    }
    ~TwoSites() { fleet.dump_logs_on_failure(); }
    std::string create() {
        if (!fleet.wait_registered(devices.size(), 30s)) return {};
        auto r = fleet.cli({"campaign", "create", "--all", "--retries", "0"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        auto id = r.output.substr(0, r.output.find('\n'));
        return validate_id(id, "campaign") ? id : std::string();
    }
    std::map<std::string, Json> rows(const std::string& campaign) {
        std::map<std::string, Json> out;
        auto results = fleet.cli_json({"results", campaign});
        const cJSON* row = nullptr;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(results.get(), "devices")) {
            out[str(row, "device")] = Json(cJSON_Duplicate(row, 1));
        }
        return out;
    }
    std::uint64_t progress(const Json& row) {
        auto p = json::get_uint(row.get(), "progress", 100);
        return p ? *p : 0;
    }
    // Every device's transfer reached `percent`, none is writing yet.
    bool all_transferring_past(const std::string& campaign, std::uint64_t percent) {
        auto r = rows(campaign);
        if (r.size() != devices.size()) return false;
        for (auto& [device, row] : r)
            if (str(row.get(), "state") != "transferring" || progress(row) < percent) return false;
        return true;
    }
    std::map<std::string, std::string> running() {
        std::map<std::string, std::string> out;
        auto list = fleet.cli_json({"devices"});
        const cJSON* d = nullptr;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(list.get(), "devices")) {
            out[str(d, "device")] = str(cJSON_GetObjectItemCaseSensitive(d, "firmware"), "main");
        }
        return out;
    }
    // Chunk messages on every site topic (fan-out by model and per-device repairs).
    std::uint64_t site_chunks(const Stats& s) {
        std::uint64_t n = 0;
        for (const char* gw : {"gw1", "gw2"}) {
            n += count(s, *topics::site_model_chunk(gw, "A123", image.fw_id));
            for (const auto& d : devices) n += count(s, *topics::dev_chunk(gw, d, image.fw_id));
        }
        return n;
    }
    std::uint64_t offers(const Stats& s) {
        return count(s, *topics::dev_cmd("gw1", devices[0])) + count(s, *topics::dev_cmd("gw1", devices[1])) +
               count(s, *topics::dev_cmd("gw2", devices[2]));
    }
    Json listed(const std::string& campaign) {
        auto list = fleet.cli_json({"campaign", "list"});
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list.get(), "campaigns")) {
            if (str(item, "campaign") == campaign) return Json(cJSON_Duplicate(item, 1));
        }
        return Json();
    }
};

}  // namespace

TEST(CampaignControl, CancelMidTransferKeepsOldFirmwareAndClearsSchedules) {
    TwoSites f;
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    auto campaign = f.create();
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually([&] { return f.all_transferring_past(campaign, 10); }, 60s))
        << "the transfers never got under way";

    auto canceled = f.fleet.cli({"campaign", "cancel", campaign, "--reason", "bad build"});
    ASSERT_EQ(canceled.exit_code, 0) << canceled.output;
    EXPECT_NE(canceled.output.find(": canceled (bad build)"), std::string::npos) << canceled.output;
    EXPECT_NE(canceled.output.find("confirmed by: gw1, gw2"), std::string::npos) << canceled.output;

    // Every job was before its boot-pointer flip: all end CANCELED, the devices keep 1.0.
    ASSERT_TRUE(eventually(
        [&] {
            auto r = f.rows(campaign);
            for (const auto& d : f.devices)
                if (!r.count(d) || str(r[d].get(), "result") != "CANCELED") return false;
            return true;
        },
        30s))
        << "not every update ended CANCELED";
    for (const auto& d : f.devices) EXPECT_EQ(f.running()[d], "1.0") << d;
    auto item = f.listed(campaign);
    EXPECT_EQ(str(item.get(), "status"), "canceled");
    EXPECT_EQ(str(item.get(), "reason"), "bad build");

    // The fan-outs stopped: nothing more crosses the site links, and no device installs.
    const auto after_cancel = wire.stats();
    EXPECT_FALSE(wire.wait_for([&](const Stats& s) { return f.site_chunks(s) > f.site_chunks(after_cancel); }, 4s))
        << "chunks were still sent after every job ended CANCELED";
    EXPECT_FALSE(eventually(
        [&] {
            auto r = f.running();
            for (const auto& d : f.devices)
                if (r[d] != "1.0") return true;
            return false;
        },
        2s))
        << "a device installed the canceled image";

    // The retained schedules are gone from the broker (a new subscriber gets none).
    Observer late(f.fleet.uri(), "late-observer");
    late.subscribe("fleetcast/v1/gw/+/schedule/+");
    EXPECT_FALSE(late.wait_for(
        [&](const Stats& s) {
            for (const auto& [topic, st] : s)
                if (!st.last_payload.empty()) return true;
            return false;
        },
        2s))
        << "a schedule of the canceled campaign is still retained";
    // The gateways dropped the cached image no other campaign needs.
    for (const char* gw : {"gw1", "gw2"}) {
        const auto cached = f.fleet.dir() / (std::string("gateway-") + gw) / "cache" / (f.image.fw_id + ".img");
        EXPECT_FALSE(std::filesystem::exists(cached)) << cached;
    }
    auto again = f.fleet.cli({"campaign", "resume", campaign});
    EXPECT_NE(again.exit_code, 0) << "resume of a canceled campaign: " << again.output;
}

TEST(CampaignControl, PauseHoldsTransfersAndResumeSendsOnlyMissingChunks) {
    TwoSites f;
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    wire.subscribe(*topics::gw_chunk("gw1", f.image.fw_id));
    wire.subscribe(*topics::gw_chunk("gw2", f.image.fw_id));
    auto campaign = f.create();
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually([&] { return f.all_transferring_past(campaign, 20); }, 60s))
        << "the transfers never reached 20 %";

    auto paused = f.fleet.cli({"campaign", "pause", campaign, "--reason", "field reports"});
    ASSERT_EQ(paused.exit_code, 0) << paused.output;
    EXPECT_NE(paused.output.find(": paused (field reports)"), std::string::npos) << paused.output;
    EXPECT_NE(paused.output.find("confirmed by: gw1, gw2"), std::string::npos) << paused.output;
    // Each device takes the hold long before the rest of its image would be written.
    auto device_logs = [&] {
        std::string all;
        for (auto& p : f.fleet.device_processes())
            if (auto text = read_file(p.log_path())) all += *text;
        return all;
    };
    auto held_count = [&] {
        auto text = device_logs();
        std::size_t n = 0;
        for (auto at = text.find("update_suspended"); at != std::string::npos;
             at = text.find("update_suspended", at + 1))
            ++n;
        return n;
    };
    ASSERT_TRUE(eventually([&] { return held_count() >= f.devices.size(); }, 5s)) << "not every device took the pause";
    auto item = f.listed(campaign);
    EXPECT_EQ(str(item.get(), "status"), "paused");
    EXPECT_EQ(str(item.get(), "reason"), "field reports");

    // Held: no offer, fetch or chunk crosses any link, no device installs.
    const auto before = wire.stats();
    std::map<std::string, std::uint64_t> held;  // chunks each device had when it stopped
    ASSERT_TRUE(eventually(
        [&] {
            auto r = f.rows(campaign);
            for (const auto& d : f.devices)
                if (!r.count(d) || str(r[d].get(), "state") != "waiting") return false;
            for (const auto& d : f.devices) held[d] = f.progress(r[d]) * f.chunks / 100;
            return true;
        },
        10s))
        << "the jobs did not go back to waiting";
    EXPECT_FALSE(wire.wait_for(
        [&](const Stats& s) { return f.site_chunks(s) > f.site_chunks(before) || f.offers(s) > f.offers(before); }, 5s))
        << "an offer or a chunk was sent while the campaign was paused";
    for (const auto& d : f.devices) EXPECT_EQ(f.running()[d], "1.0") << d;

    const auto at_resume = wire.stats();
    auto resumed = f.fleet.cli({"campaign", "resume", campaign});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find(": running"), std::string::npos) << resumed.output;
    auto r = f.fleet.cli({"results", campaign, "--wait-complete", "90"}, 100s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const auto& d : f.devices) EXPECT_EQ(f.running()[d], "2.0") << d;

    // After the resume only what the devices lacked crossed the site links.
    const auto after = wire.stats();
    std::uint64_t missing = 0;
    for (const auto& d : f.devices) missing += f.chunks - held[d];
    const std::uint64_t resent = f.site_chunks(after) - f.site_chunks(at_resume);
    EXPECT_GT(resent, 0u);
    EXPECT_LE(resent, missing + f.devices.size()) << "chunks the devices had before the pause were sent again";
    // The gateways did not fetch the image again from the manager: once per gateway in all.
    for (const char* gw : {"gw1", "gw2"}) {
        const auto topic = *topics::gw_chunk(gw, f.image.fw_id);
        EXPECT_EQ(count(after, topic), count(at_resume, topic)) << gw << ": the image crossed the manager link again";
        EXPECT_EQ(count(after, topic), f.chunks) << gw;
    }
}
