// A site behind rate-limited links (tests/netbed/netbed.sh): the gateway and
// its site broker in one network namespace, the devices in another, the
// manager and central broker here. Needs root; skips with the reason otherwise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

const std::string kNetbed = std::string(FLEETCAST_SOURCE_DIR) + "/tests/netbed/netbed.sh";

class NetbedFixture : public ::testing::Test {
   protected:
    void SetUp() override {
        name_ = "n" + std::to_string(::getpid() % 10000000);
        index_ = static_cast<int>(::getpid() % 250) + 1;
        auto r = run_command({kNetbed, "up", name_, std::to_string(index_), uplink_rate, devlink_rate}, 30s);
        if (r.exit_code == 3) GTEST_SKIP() << "network namespaces unavailable: " << r.output;
        ASSERT_EQ(r.exit_code, 0) << r.output;
        up_ = true;
    }
    void TearDown() override {
        site_broker_.stop(std::chrono::seconds(2));
        if (up_) run_command({kNetbed, "down", name_}, 30s);
    }

    std::string central_ip() const { return "198.18." + std::to_string(index_) + ".1"; }
    std::string gateway_ip() const { return "198.18." + std::to_string(index_) + ".2"; }
    std::string site_ip_for_devices() const { return "198.19." + std::to_string(index_) + ".1"; }
    std::vector<std::string> in_ns(const std::string& which) const {
        return {"ip", "netns", "exec", name_ + "-" + which};
    }

    // The site broker runs in the gateway's namespace, bridged over the uplink.
    void start_site_broker(Fleet& fleet, int central_port) {
        auto cfg = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/site-broker", "--gateway", "gw1",
                                "--central", central_ip() + ":" + std::to_string(central_port)},
                               10s);
        ASSERT_EQ(cfg.exit_code, 0) << cfg.output;
        site_port_ = free_loopback_port();
        auto conf = fleet.dir() / "site-broker.conf";
        std::ofstream(conf) << "listener " << site_port_ << " 0.0.0.0\n" << cfg.output;
        auto argv = in_ns("gw");
        for (auto a : {std::string("mosquitto"), std::string("-c"), conf.string()}) argv.push_back(a);
        site_broker_ = ChildProcess(argv, fleet.dir() / "site-broker.log");
        ASSERT_TRUE(eventually([&] { return port_accepts(gateway_ip(), site_port_); }, 10s)) << site_broker_.log_tail();
    }

    std::string uplink_rate = "2mbit";
    std::string devlink_rate = "1mbit";
    std::string name_;
    int index_ = 0;
    int site_port_ = 0;
    bool up_ = false;
    ChildProcess site_broker_;
};

}  // namespace

TEST_F(NetbedFixture, UpdateOverRateLimitedLinksResumesAfterTheUplinkIsCutWithoutStartingOver) {
    const int central_port = free_loopback_port();
    Fleet fleet("central.conf", "listener " + std::to_string(central_port) + " " + central_ip());
    Observer central(fleet.uri(), "central-observer");
    central.subscribe("fleetcast/v1/gw/+/fw/+/chunk");
    fleet.start_manager();
    ASSERT_NO_FATAL_FAILURE(start_site_broker(fleet, central_port));
    fleet.start_gateway("gw1", "tcp://127.0.0.1:" + std::to_string(site_port_), {}, in_ns("gw"));
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"},
                        "tcp://" + site_ip_for_devices() + ":" + std::to_string(site_port_), {}, in_ns("dev"));
    auto img = fleet.make_image("A123", "main", "2.0", 1024 * 1024 + 11);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img));
    ASSERT_TRUE(fleet.wait_registered(1, 60s));

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));

    // At 2 Mbit/s the 1 MiB image takes about 4 s to cross the uplink: cut it
    // once a third has crossed, for 10 s, then restore it.
    const auto chunks = chunk_count_for(img.size, kDefaultChunkSize);
    const auto topic = *topics::gw_chunk("gw1", img.fw_id);
    auto sent = [&] {
        auto s = central.stats();
        return s.count(topic) ? s.at(topic).messages : 0;
    };
    ASSERT_TRUE(eventually([&] { return sent() >= chunks / 3; }, 60s));
    ASSERT_EQ(run_command({kNetbed, "link", name_, "uplink", "down"}, 10s).exit_code, 0);
    std::this_thread::sleep_for(10s);  // the outage itself, part of the scenario
    ASSERT_EQ(run_command({kNetbed, "link", name_, "uplink", "up"}, 10s).exit_code, 0);

    auto done = fleet.cli({"results", campaign, "--wait-complete", "180"}, 200s);
    EXPECT_EQ(done.exit_code, 0) << done.output;
    // Resumed, not restarted: at most one fetch window of chunks was sent again.
    std::printf("netbed: %u chunks, the manager sent %llu\n", chunks, static_cast<unsigned long long>(sent()));
    EXPECT_GE(sent(), chunks);
    EXPECT_LE(sent(), chunks + 4) << "the manager re-sent " << sent() - chunks << " chunks";

    // R9: the rates the gateway measured on real transfers match the links' limits (within 25 %).
    auto rates = fleet.cli_json({"rates"});
    ASSERT_FALSE(rates.empty());
    double manager_rate = 0, device_rate = 0;
    const cJSON* r = nullptr;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rates.get(), "rates")) {
        auto link = json::get_optional_string(r, "link").value_or("");
        auto source = json::get_optional_string(r, "source").value_or("");
        auto bps = cJSON_GetObjectItemCaseSensitive(r, "bytes_per_s");
        if (!cJSON_IsNumber(bps) || source == "probe") continue;
        (link == "manager" ? manager_rate : device_rate) = bps->valuedouble;
    }
    const double uplink = 2e6 / 8, devlink = 1e6 / 8;
    std::printf("netbed: measured manager link %.0f B/s (limit %.0f), device link %.0f B/s (limit %.0f)\n",
                manager_rate, uplink, device_rate, devlink);
    EXPECT_NEAR(manager_rate, uplink, 0.25 * uplink);
    EXPECT_NEAR(device_rate, devlink, 0.25 * devlink);

    // The planner uses them: a push campaign "as soon as possible" leaves the
    // download time before the update time and the device time before the end.
    auto img3 = fleet.make_image("A123", "main", "3.0", 1024 * 1024 + 11);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img3));
    auto plan = fleet.cli_json({"campaign", "create", "--all", "--mode", "push", "--asap"});
    ASSERT_FALSE(plan.empty());
    auto transmit = parse_time(json::get_optional_string(plan.get(), "transmit_at").value_or(""));
    auto update = parse_time(json::get_optional_string(plan.get(), "update_at").value_or(""));
    auto end = parse_time(json::get_optional_string(plan.get(), "expected_end").value_or(""));
    ASSERT_TRUE(transmit && update && end);
    auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
    EXPECT_GE(seconds(*update - *transmit), 0.9 * static_cast<double>(img3.size) / manager_rate);
    EXPECT_GE(seconds(*end - *update), 0.9 * static_cast<double>(img3.size) / device_rate);
}
