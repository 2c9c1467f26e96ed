// The operator views of R19 on a real broker: each `fleetcast ... --json`
// checked field by field against the manager's stored state (its SQLite
// database, read alongside the running manager), and the CLI against a
// manager that is down.
#include <gtest/gtest.h>

#include "common/ids.hpp"
#include "common/messages.hpp"
#include "manager/manager_store.hpp"
#include "manager/results_view.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

std::string str(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }
std::uint64_t num(const cJSON* o, const char* key) {
    auto n = json::get_uint(o, key, UINT64_MAX / 2);
    return n ? *n : 999999;
}
std::string time_or_empty(const std::optional<TimePoint>& t) { return t ? format_time(*t) : std::string(); }

const cJSON* row_of(const Json& data, const char* array, const std::string& device) {
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(
        row, cJSON_GetObjectItemCaseSensitive(data.get(), array)) if (str(row, "device") == device) return row;
    return nullptr;
}

struct ViewsFleet {
    Fleet fleet;
    std::string campaign;
    std::unique_ptr<manager::ManagerStore> store;
    ViewsFleet() {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0", "controller=3.0"});
        fleet.start_devices("gw1", "B456", 1, 1, {"main=1.0"});  // no image for B456
        auto main_img = fleet.make_image("A123", "main", "2.0", 100 * 1024);
        auto ctl_img = fleet.make_image("A123", "controller", "3.1", 50 * 1024);
        fleet.add_firmware(main_img);
        fleet.add_firmware(ctl_img);
        if (!fleet.wait_registered(3, 30s)) return;
        auto r = fleet.cli({"campaign", "create", "--device", "A123-000001", "--device", "A123-000002", "--device",
                            "B456-000001", "--device", "Z999-000042"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        campaign = r.output.substr(0, r.output.find('\n'));
        auto wait = fleet.cli({"results", campaign, "--wait-complete", "60"}, 70s);
        EXPECT_EQ(wait.exit_code, 0) << wait.output;
        auto opened = manager::ManagerStore::open(fleet.dir() / "manager" / "manager.db");
        EXPECT_TRUE(opened) << opened.error().str();
        if (opened) store = std::move(*opened);
    }
    ~ViewsFleet() { fleet.dump_logs_on_failure(); }
};

}  // namespace

TEST(Views, EachViewsJsonMatchesTheStoredState) {
    ViewsFleet f;
    ASSERT_TRUE(validate_id(f.campaign, "campaign"));
    ASSERT_TRUE(f.store);
    auto targets = f.store->targets(f.campaign);
    ASSERT_TRUE(targets);
    ASSERT_EQ(targets->size(), 2u);
    auto c = f.store->find_campaign(f.campaign);
    ASSERT_TRUE(c && *c);

    // targets (Fig. 20)
    auto tv = f.fleet.cli_json({"targets", f.campaign});
    ASSERT_FALSE(tv.empty());
    EXPECT_EQ(str(tv.get(), "campaign"), f.campaign);
    EXPECT_EQ(num(tv.get(), "total"), targets->size());
    for (const auto& t : *targets) {
        const cJSON* row = row_of(tv, "devices", t.device);
        ASSERT_NE(row, nullptr) << t.device;
        EXPECT_EQ(str(row, "model"), t.model);
        EXPECT_EQ(str(row, "serial"), t.device.substr(t.device.rfind('-') + 1));
        EXPECT_EQ(str(row, "gateway"), t.gateway);
        EXPECT_EQ(str(row, "update_at"), format_time((*c)->update_at));
        EXPECT_EQ(str(row, "transmit_at"), format_time((*c)->transmit_at.value_or((*c)->update_at)));
        const cJSON* changes = cJSON_GetObjectItemCaseSensitive(row, "changes");
        ASSERT_EQ(static_cast<std::size_t>(cJSON_GetArraySize(changes)), t.new_versions.size());
        const cJSON* ch = nullptr;
        cJSON_ArrayForEach(ch, changes) {
            auto comp = str(ch, "component");
            EXPECT_EQ(str(ch, "old"), t.old_versions.at(comp)) << comp;
            EXPECT_EQ(str(ch, "new"), t.new_versions.at(comp)) << comp;
        }
    }

    // unregistered (Fig. 21): what the campaign left out, persisted at creation
    auto skipped = f.store->skipped(f.campaign);
    ASSERT_TRUE(skipped);
    ASSERT_EQ(skipped->size(), 2u);
    auto uv = f.fleet.cli_json({"unregistered", f.campaign});
    ASSERT_FALSE(uv.empty());
    EXPECT_EQ(num(uv.get(), "total"), 2u);
    for (const auto& [device, reason] : *skipped) {
        const cJSON* row = row_of(uv, "devices", device);
        ASSERT_NE(row, nullptr) << device;
        EXPECT_EQ(str(row, "reason"), reason);
    }
    EXPECT_EQ(str(row_of(uv, "devices", "Z999-000042"), "reason"), "UNREGISTERED");
    EXPECT_EQ(str(row_of(uv, "devices", "B456-000001"), "reason"), "NO MATCHING FIRMWARE");

    // results (Fig. 46/47)
    auto rv = f.fleet.cli_json({"results", f.campaign});
    ASSERT_FALSE(rv.empty());
    const cJSON* summary = cJSON_GetObjectItemCaseSensitive(rv.get(), "summary");
    EXPECT_EQ(num(summary, "UPDATING COMPLETED"), 2u);
    EXPECT_EQ(num(summary, "EXPIRED"), 0u);
    EXPECT_EQ(num(summary, "total"), 2u);
    for (const auto& t : *targets) {
        const cJSON* row = row_of(rv, "devices", t.device);
        ASSERT_NE(row, nullptr);
        EXPECT_EQ(str(row, "state"), to_string(t.state));
        EXPECT_EQ(str(row, "result"), manager::result_label(t.state));
        EXPECT_EQ(str(row, "started_at"), time_or_empty(t.started_at));
        EXPECT_EQ(str(row, "ended_at"), time_or_empty(t.ended_at));
        EXPECT_EQ(str(row, "detail"), t.detail);
        EXPECT_EQ(str(row, "error"), "");
    }

    // status DEVICE (Fig. 19)
    const auto& t0 = targets->front();
    auto sv = f.fleet.cli_json({"status", t0.device});
    ASSERT_FALSE(sv.empty());
    auto dev = f.store->find_device(t0.device);
    ASSERT_TRUE(dev && *dev);
    EXPECT_EQ(str(sv.get(), "device"), t0.device);
    EXPECT_EQ(str(sv.get(), "gateway"), (*dev)->gateway);
    EXPECT_EQ(str(sv.get(), "status"), (*dev)->status);
    EXPECT_EQ(str(cJSON_GetObjectItemCaseSensitive(sv.get(), "firmware"), "main"), (*dev)->firmware.at("main"));
    EXPECT_EQ(str(sv.get(), "campaign"), f.campaign);
    EXPECT_EQ(str(sv.get(), "state"), to_string(t0.state));
    EXPECT_EQ(str(sv.get(), "phase"), "completed");
    EXPECT_EQ(num(sv.get(), "progress"), t0.progress);
    EXPECT_EQ(str(sv.get(), "expected_end"), time_or_empty(t0.ended_at));
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sv.get(), "settled")));
    EXPECT_TRUE(parse_time(str(sv.get(), "now")));
    // --watch of a settled device prints once and returns.
    auto watched = f.fleet.cli({"status", t0.device, "--watch"}, 20s);
    EXPECT_EQ(watched.exit_code, 0) << watched.output;
    EXPECT_NE(watched.output.find("completed"), std::string::npos) << watched.output;

    // gateway GW (Fig. 24)
    auto gv = f.fleet.cli_json({"gateway", "gw1"});
    ASSERT_FALSE(gv.empty());
    EXPECT_EQ(str(gv.get(), "gateway"), "gw1");
    auto gws = f.store->list_gateways();
    ASSERT_TRUE(gws);
    ASSERT_EQ(gws->size(), 1u);
    EXPECT_EQ(str(gv.get(), "status"), gws->front().status);
    for (const auto& t : *targets) {
        const cJSON* row = row_of(gv, "rows", t.device);
        if (!row) continue;  // the campaign ended: only active campaigns' rows are listed
        EXPECT_EQ(str(row, "necessity"), "NO");
        EXPECT_EQ(str(row, "state"), to_string(t.state));
    }

    // The text forms are aligned tables with the same facts.
    auto text = f.fleet.cli({"results", f.campaign});
    EXPECT_EQ(text.exit_code, 0);
    EXPECT_NE(text.output.find("gateway gw1 (2 devices)"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("summary: 2 completed, 0 waiting, 0 error, 0 expired, 0 canceled (2 targets)"),
              std::string::npos)
        << text.output;
    auto watch = f.fleet.cli({"campaign", "watch", f.campaign}, 20s);
    EXPECT_EQ(watch.exit_code, 0) << watch.output;
    EXPECT_NE(watch.output.find("[####################] 100%"), std::string::npos) << watch.output;
    auto unknown = f.fleet.cli({"targets", "c-nope"});
    EXPECT_NE(unknown.exit_code, 0);
    EXPECT_NE(unknown.output.find("unknown campaign"), std::string::npos) << unknown.output;
}

TEST(Views, CliAgainstADownManagerFailsFastWithClearMessage) {
    Fleet fleet;
    // No manager ever ran on this broker.
    auto start = std::chrono::steady_clock::now();
    auto r = fleet.cli({"devices"}, 20s);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("no manager"), std::string::npos) << r.output;
    EXPECT_LT(took, 6s);

    // A manager that ran and stopped: its retained state says offline.
    fleet.start_manager();
    Observer obs(fleet.uri(), "state-observer");
    obs.subscribe("fleetcast/v1/mgr/state");
    ASSERT_TRUE(obs.wait_for(
        [](const auto& s) {
            auto it = s.find("fleetcast/v1/mgr/state");
            return it != s.end() && it->second.last_payload.find("\"online\"") != std::string::npos;
        },
        20s));
    fleet.manager().stop();
    ASSERT_TRUE(obs.wait_for(
        [](const auto& s) {
            auto it = s.find("fleetcast/v1/mgr/state");
            return it != s.end() && it->second.last_payload.find("\"offline\"") != std::string::npos;
        },
        20s));
    start = std::chrono::steady_clock::now();
    r = fleet.cli({"status", "A123-000001"}, 20s);
    took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("the manager is down"), std::string::npos) << r.output;
    EXPECT_LT(took, 5s);
}
