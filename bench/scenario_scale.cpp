// Scenario 6: 100,000 devices registered in the manager's store; time campaign
// creation for all of them and `fleetcast results` of that campaign.
// The devices are written into the manager's SQLite store (ManagerStore, one
// transaction) before the manager starts: registering them through 100,000
// device_seen reports would measure the report path, not these two commands.
#include <cstdio>

#include "bench/scenarios.hpp"
#include "common/clock.hpp"
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
            auto st = (*store)->upsert_device({id, "gw1", "A123", "idle", {{"main", "1.0"}}, clock.now()});
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
    auto t0 = Clock::now();
    auto campaign = fleet.create_campaign({"--timeout", "120s", "--all"});
    double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
    double results_s = 0;
    std::uint64_t rows = 0;
    if (!campaign) {
        rep.fail(campaign.error().str());
    } else {
        auto t1 = Clock::now();
        auto r = fleet.cli({"--timeout", "120s", "results", *campaign}, std::chrono::seconds(180));
        results_s = std::chrono::duration<double>(Clock::now() - t1).count();
        for (std::size_t pos = r.output.find("WAITING FOR RE-UPDATING ("); pos != std::string::npos;
             pos = r.output.find("WAITING FOR RE-UPDATING (", pos + 1))
            ++rows;
        if (r.exit_code != 0 && r.exit_code != 1) rep.fail("results: " + r.output.substr(0, 500));
    }
    rep.figure("registered_devices", cfg.scale_devices);
    rep.figure("register_s", reg_s, "s (ManagerStore, one transaction)");
    rep.figure("campaign_create_s", create_s, "s (fleetcast campaign create --all)");
    rep.figure("results_s", results_s, "s (fleetcast results CAMPAIGN)");
    rep.figure("results_rows_waiting", static_cast<double>(rows));
    rep.target({"campaign create (s)", create_s, "<", 5});
    rep.target({"results (s)", results_s, "<", 5});
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return rep;
}

}  // namespace fleetcast::bench
