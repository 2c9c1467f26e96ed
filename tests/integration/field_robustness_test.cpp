// Faults a fleet meets in the field, on a real broker with real processes
// (issue 13, R27): a corrupted gateway cache, a gateway killed mid-campaign.
// An independent subscriber counts what crossed each link.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "common/sqlite_db.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

struct Site {
    Fleet fleet;
    Observer wire{fleet.uri(), "wire-observer"};
    ImageFile image;
    std::uint32_t chunks = 0;

    std::size_t device_process = 0;

    Site(int devices, std::uint64_t image_size, const std::vector<std::string>& device_args = {}) {
        for (auto f : {"fleetcast/v1/gw/+/fw/+/chunk", "fleetcast/v1/site/+/model/+/fw/+/chunk",
                       "fleetcast/v1/site/+/dev/+/fw/+/chunk"})
            wire.subscribe(f);
        fleet.start_manager();
        fleet.start_gateway("gw1");
        device_process = fleet.start_devices("gw1", "A123", devices, 1, {"main=1.0"}, "", device_args);
        image = fleet.make_image("A123", "main", "2.0", image_size);
        fleet.add_firmware(image);
        chunks = chunk_count_for(image.size, kDefaultChunkSize);
    }
    Observer::TopicStats stat(const std::string& topic) const {
        auto all = wire.stats();
        auto it = all.find(topic);
        return it == all.end() ? Observer::TopicStats{} : it->second;
    }
    std::uint64_t up() const { return stat(*topics::gw_chunk("gw1", image.fw_id)).messages; }
    std::uint64_t fanout() const { return stat(*topics::site_model_chunk("gw1", "A123", image.fw_id)).messages; }
    std::uint64_t repairs() const {
        std::uint64_t n = 0;
        for (const auto& [topic, s] : wire.stats())
            if (topic.find("/dev/") != std::string::npos && topic.find("/chunk") != std::string::npos) n += s.messages;
        return n;
    }
    std::filesystem::path gateway_dir() const { return fleet.dir() / "gateway-gw1"; }
    std::filesystem::path cache_file() const { return gateway_dir() / "cache" / (image.fw_id + ".img"); }
    bool all_completed(const std::string& campaign, std::chrono::seconds wait) {
        auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(wait.count())}, wait + 20s);
        if (r.exit_code != 0) ADD_FAILURE() << r.output;
        return r.exit_code == 0;
    }
    // The fan-out's acknowledged mark in the gateway's database (0: none yet).
    std::int64_t stored_mark() const {
        auto db = Database::open(gateway_dir() / "gateway.db");
        if (!db) return 0;
        auto s = (*db)->prepare("SELECT acked_below FROM fanout_marks WHERE fw_id = ?1");
        if (!s) return 0;
        s->bind(1, std::string_view(image.fw_id));
        auto row = s->step();
        return row && *row ? s->int64(0) : 0;
    }
};

void flip_bytes(const std::filesystem::path& file, std::uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << file;
    f.seekg(static_cast<std::streamoff>(offset));
    std::string bytes(16, '\0');
    f.read(bytes.data(), 16);
    for (auto& c : bytes) c = static_cast<char>(~c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), 16);
}

}  // namespace

TEST(FieldRobustness, CorruptedCacheChunkIsFetchedAgainOnceAndEveryDeviceCompletes) {
    Site site(4, 1024 * 1024 + 333);
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(4, 60s));
    // Pushed at once, installed 12 s later: the cache is corrupted in between.
    auto created = fleet.cli_json({"campaign", "create", "--all", "--mode", "push", "--transmit-at", "now",
                                   "--update-at", "+12s", "--campaign", "c-corrupt"});
    ASSERT_FALSE(created.empty());
    auto update_at = std::chrono::system_clock::now() + 12s;
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(site.cache_file()); }, 30s)) << "image never cached";
    flip_bytes(site.cache_file(), 3ull * kDefaultChunkSize + 100);
    ASSERT_LT(std::chrono::system_clock::now(), update_at) << "corrupted too late to prove anything";

    ASSERT_TRUE(site.all_completed("c-corrupt", 120s));
    EXPECT_EQ(site.up(), site.chunks + 1u) << "only the corrupt chunk crossed the manager link again";
    EXPECT_EQ(site.fanout(), site.chunks) << "one fan-out, without a bad chunk to repair";
    EXPECT_EQ(site.repairs(), 0u) << "no device had to ask for a chunk";
    auto cached = sha256_file(site.cache_file());
    ASSERT_TRUE(cached);
    EXPECT_EQ(to_hex(*cached), site.image.sha256) << "the cache file was repaired in place";
    std::ifstream in(fleet.gateway("gw1").log_path());
    std::string log((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(log.find("cache_chunk_corrupt"), std::string::npos);
    EXPECT_NE(log.find("cache_chunk_repaired"), std::string::npos);
}

TEST(FieldRobustness, GatewayKilledDuringDeliveryDoesNotFanOutAgainWhatTheBrokerAccepted) {
    // Slow devices: the broker holds most of the fan-out for them when the gateway dies.
    Site site(6, 4 * 1024 * 1024 + 11, {"--flash-write-delay", "40ms"});
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(6, 60s));
    auto created = fleet.cli_json({"campaign", "create", "--all", "--campaign", "c-gwkill"});
    ASSERT_FALSE(created.empty());
    ASSERT_TRUE(eventually([&] { return site.stored_mark() == site.chunks; }, 60s))
        << "the fan-out was never fully acknowledged (mark " << site.stored_mark() << ")";
    // The devices freeze (as very slow ones would) from the moment the whole
    // fan-out is on the broker until the gateway is dead: the kill then always
    // finds them mid-image, however loaded the machine is.
    auto& devices = fleet.device_processes().at(site.device_process);
    devices.signal(SIGSTOP);
    auto before = fleet.cli_json({"results", "c-gwkill"});
    fleet.gateway("gw1").signal(SIGKILL);
    const int gateway_exit = fleet.gateway("gw1").wait_exit(5s);
    devices.signal(SIGCONT);
    ASSERT_NE(gateway_exit, -1);
    auto still_receiving = [&] {
        const cJSON* d = nullptr;
        auto devs = json::get_array(before.get(), "devices", 100);
        if (!devs) return false;
        cJSON_ArrayForEach(d,
                           *devs) if (json::get_optional_string(d, "state").value_or("") == "transferring") return true;
        return false;
    };
    EXPECT_TRUE(still_receiving()) << "every device had its image already: the kill proves nothing";
    fleet.start_gateway("gw1");

    ASSERT_TRUE(site.all_completed("c-gwkill", 180s));
    std::printf("fan-out chunks %llu for a %u-chunk image, repairs %llu, manager link %llu\n",
                static_cast<unsigned long long>(site.fanout()), site.chunks,
                static_cast<unsigned long long>(site.repairs()), static_cast<unsigned long long>(site.up()));
    EXPECT_EQ(site.fanout(), site.chunks) << "the restarted gateway sent the fan-out again";
    EXPECT_EQ(site.up(), site.chunks) << "the cached image was not fetched again";
    EXPECT_LE(site.repairs(), 6u * 2) << "at most a couple of chunks per device repaired";
}
