// The operator's per-device commands on a campaign of more than one page of
// results: the manager serves pages of 5 rows (--page-limit), so a device in
// row 7 or 12 is on the second or third page. The CLI's defer, cancel,
// suspend and resume reach that device and follow its row to the gateway's
// answer; an independent subscriber counts the commands on gw/gw1/cmd.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "common/json.hpp"
#include "common/topics.hpp"
#include "tests/integration/handshake_support.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kDevices = 12;
constexpr std::uint64_t kPageRows = 5;

// (type, device) of each operator command the manager sent the gateway.
std::multiset<std::pair<std::string, std::string>> device_commands(const Observer& wire) {
    std::multiset<std::pair<std::string, std::string>> out;
    for (const auto& m : wire.kept()) {
        auto j = Json::parse(m.payload);
        if (!j) continue;
        auto type = json::get_optional_string(j->get(), "type").value_or("");
        if (type == "defer" || type == "cancel" || type == "suspend" || type == "resume")
            out.emplace(type, json::get_optional_string(j->get(), "device").value_or(""));
    }
    return out;
}

}  // namespace

TEST(OperatorPages, DeviceCommandsReachAndFollowADevicePastTheFirstResultsPage) {
    Fleet fleet;
    fleet.start_manager({"--page-limit", std::to_string(kPageRows)});
    fleet.start_gateway("gw1");
    Observer wire(fleet.uri(), "wire");
    const auto cmd_topic = *topics::gw_cmd("gw1");
    wire.keep(cmd_topic);
    wire.subscribe(cmd_topic);
    // A long deferment: every update stays open (the device answers "deferred").
    fleet.start_devices("gw1", "A123", kDevices, 1, {"main=1.0"}, "", {"--deferment", "600s"});
    auto image = fleet.make_image("A123", "main", "2.0", 64 * 1024 + 5);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(kDevices, 60s));
    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    const auto campaign = campaign_of(created);

    // The pages really are small: one page holds 5 rows, `results` gathers all 12.
    auto page = fleet.cli_json({"results", campaign});
    ASSERT_FALSE(page.empty());
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(page.get(), "devices")), kDevices);

    // Rows are ordered by gateway and device: 7 is on page 2, 11 and 12 on page 3.
    const auto d7 = serial_id("A123", 7), d11 = serial_id("A123", 11), d12 = serial_id("A123", 12);
    auto suspended = fleet.cli({"suspend", d12});
    EXPECT_EQ(suspended.exit_code, 0) << suspended.output;
    EXPECT_NE(suspended.output.find(": suspended"), std::string::npos) << suspended.output;
    auto resumed = fleet.cli({"resume", d12});
    EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find(": not suspended"), std::string::npos) << resumed.output;
    auto deferred = fleet.cli({"defer", d11, "--by", "1h"});
    EXPECT_EQ(deferred.exit_code, 0) << deferred.output;
    EXPECT_NE(deferred.output.find("deferred by operator"), std::string::npos) << deferred.output;
    auto canceled = fleet.cli({"cancel", d7});
    EXPECT_EQ(canceled.exit_code, 0) << canceled.output;
    EXPECT_NE(canceled.output.find("CANCELED"), std::string::npos) << canceled.output;

    // On the wire: one command each, to the device it names, and none to any other.
    const std::multiset<std::pair<std::string, std::string>> expected{
        {"suspend", d12}, {"resume", d12}, {"defer", d11}, {"cancel", d7}};
    EXPECT_TRUE(eventually([&] { return device_commands(wire).size() >= expected.size(); }, 20s));
    EXPECT_EQ(device_commands(wire), expected);
    // And the rows past the first page show each effect.
    EXPECT_EQ(result_row(fleet, campaign, d7).result, "CANCELED");
    EXPECT_NE(result_row(fleet, campaign, d11).detail.find("deferred by operator"), std::string::npos);
}
