// Scenario 6: 100,000 devices registered in the manager's store; time campaign
// creation for all of them (and the manager's CPU for it), one `results` page
// (100 rows, one operator request) and `fleetcast results` of that campaign
// (every page). At most 100,000 devices per gateway (gw1, gw2, ...): a site's
// schedule must fit the broker's packet limit.
// The devices are written into the manager's SQLite store (ManagerStore, one
// transaction) before the manager starts: registering them through 100,000
// device_seen reports would measure the report path, not these two commands.
#include <cstdio>

#include "bench/scenarios.hpp"
#include "common/clock.hpp"
#include "manager/cli/request_client.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::bench {

using Clock = std::chrono::steady_clock;

namespace {
Status register_devices(const std::filesystem::path& manager_dir, int count) {
    std::filesystem::create_directories(manager_dir);
    auto store = manager::ManagerStore::open(manager_dir / "manager.db");
    if (!store) return store.error();
    SystemClock clock;
    return (*store)->transaction([&]() -> Status {
        for (int i = 1; i <= count; ++i) {
            char id[32];
            std::snprintf(id, sizeof id, "A123-%06d", i);
            const auto gw = "gw" + std::to_string((i - 1) / 100000 + 1);
            auto st = (*store)->upsert_device({id, gw, "A123", "idle", {{"main", "1.0"}}, clock.now()});
            if (!st) return st;
        }
        return ok_status();
    });
}
}  // namespace

ScenarioReport scenario_scale(const BenchConfig& cfg) {
    ScenarioReport rep("6_manager_scale");
    BenchFleet fleet(fleet_options(cfg, "scale"));
    auto t_reg = Clock::now();
    if (auto st = register_devices(fleet.dir() / "manager", cfg.scale_devices); !st) {
        rep.fail("register: " + st.error().str());
        return rep;
    }
    double reg_s = std::chrono::duration<double>(Clock::now() - t_reg).count();
    fleet.start_manager();
    auto img = fleet.make_image("A123", "main", "2.0", 1 << 20);
    if (auto st = fleet.add_firmware(img, cfg.chunk_size); !st) {
        rep.fail(st.error().str());
        return rep;
    }
    const double cpu0 = cpu_seconds(fleet.manager().pid());
    auto t0 = Clock::now();
    auto campaign = fleet.create_campaign({"--timeout", "300s", "--all"});
    double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double create_cpu_s = cpu_seconds(fleet.manager().pid()) - cpu0;
    double results_s = 0, page_s = 0;
    std::uint64_t rows = 0;
    if (!campaign) {
        rep.fail(campaign.error().str());
    } else {
        MqttOptions o;
        o.uri = fleet.uri();
        o.client_id = cli::make_client_id();
        o.clean_session = true;
        if (auto client = cli::RequestClient::connect(o, std::chrono::seconds(60)); !client) {
            rep.fail("results page: " + client.error().str());
        } else {
            auto args = Json::object();
            json::put(args.get(), "campaign", *campaign);
            json::put(args.get(), "limit", std::uint64_t{100});
            auto tp = Clock::now();
            auto page = (*client)->request("results", args);
            page_s = std::chrono::duration<double>(Clock::now() - tp).count();
            if (!page || !page->ok) rep.fail("results page: " + (page ? page->error : page.error().str()));
        }
        // Every page (what `fleetcast results` prints) only up to 100,000 targets: 200 pages of a
        // 1,000,000-target campaign are minutes of printing, the page above is the figure there.
        if (cfg.scale_devices > 100000) {
            rep.figure("registered_devices", cfg.scale_devices);
            rep.figure("register_s", reg_s, "s (ManagerStore, one transaction)");
            rep.figure("campaign_create_s", create_s, "s (fleetcast campaign create --all)");
            rep.figure("campaign_create_manager_cpu_s", create_cpu_s, "s (manager CPU during it)");
            rep.figure("results_page_s", page_s, "s (one results request, 100 rows)");
            rep.figure("results_s", 0, "s (not run above 100,000 targets)");
            rep.target({"campaign create (s)", create_s, "<=", 10.0});
            rep.target({"one results page (s)", page_s, "<=", 1});
            fleet.stop_all();
            cleanup(cfg, fleet.dir());
            return rep;
        }
        auto t1 = Clock::now();
        auto r = fleet.cli({"--timeout", "300s", "results", *campaign}, std::chrono::seconds(600));
        results_s = std::chrono::duration<double>(Clock::now() - t1).count();
        for (std::size_t pos = r.output.find("WAITING FOR RE-UPDATING ("); pos != std::string::npos;
             pos = r.output.find("WAITING FOR RE-UPDATING (", pos + 1))
            ++rows;
        if (r.exit_code != 0 && r.exit_code != 1) rep.fail("results: " + r.output.substr(0, 500));
    }
    rep.figure("registered_devices", cfg.scale_devices);
    rep.figure("register_s", reg_s, "s (ManagerStore, one transaction)");
    rep.figure("campaign_create_s", create_s, "s (fleetcast campaign create --all)");
    rep.figure("campaign_create_manager_cpu_s", create_cpu_s, "s (manager CPU during it)");
    rep.figure("results_page_s", page_s, "s (one results request, 100 rows)");
    rep.figure("results_s", results_s, "s (fleetcast results CAMPAIGN, every page)");
    rep.figure("results_rows_waiting", static_cast<double>(rows));
    // Issue 20: at 1,000,000 devices create <= 10 s and one page <= 1 s (the earlier targets were for 100,000).
    rep.target({"campaign create (s)", create_s, "<=", cfg.scale_devices > 100000 ? 10.0 : 5.0});
    rep.target({"one results page (s)", page_s, "<=", 1});
    rep.target({"results, every page (s)", results_s, "<", cfg.scale_devices > 100000 ? 60.0 : 5.0});
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return rep;
}

}  // namespace fleetcast::bench
