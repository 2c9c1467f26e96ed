#include "bench/single_device.hpp"

#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/support/observer.hpp"

namespace fleetcast::bench {

using Clock = std::chrono::steady_clock;

std::uint64_t vm_hwm_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
    return 0;
}

namespace {
// Samples the peak RSS of whatever process `pid` holds until stopped.
class RssSampler {
   public:
    explicit RssSampler(std::atomic<int>& pid)
        : thread_([this, &pid] {
              while (!stop_) {
                  int p = pid.load();
                  if (p > 0) peak_ = std::max<std::uint64_t>(peak_, vm_hwm_kib(p));
                  std::this_thread::sleep_for(std::chrono::milliseconds(10));
              }
          }) {}
    ~RssSampler() { stop(); }
    std::uint64_t stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        return peak_;
    }

   private:
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> peak_{0};
    std::thread thread_;
};
}  // namespace

SingleRun run_single_device(BenchFleet& fleet, const BenchConfig& cfg, std::uint64_t bytes,
                            std::optional<std::uint32_t> kill_at_percent) {
    SingleRun run;
    const std::string id = "A123-000001";
    WireCounter wire(fleet.uri(), "bench-wire-counter");
    fleet.start_manager();
    fleet.start_gateway("gw1");
    std::atomic<int> pid{fleet.start_device("gw1", id, "A123", {"main=1.0"}).pid()};
    RssSampler rss(pid);
    run.image = fleet.make_image("A123", "main", "2.0", bytes);
    if (auto st = fleet.add_firmware(run.image, cfg.chunk_size); !st) {
        run.error = st.error().str();
        return run;
    }
    if (!fleet.wait_registered(1, std::chrono::seconds(180))) {
        run.error = "device did not register";
        return run;
    }
    auto t0 = Clock::now();
    auto campaign = fleet.create_campaign({"--device", id});
    if (!campaign) {
        run.error = campaign.error().str();
        return run;
    }
    if (kill_at_percent) {
        if (!testing::eventually([&] { return wire.progress(id) >= *kill_at_percent; }, cfg.timeout)) {
            run.error = "device never reached " + std::to_string(*kill_at_percent) + " %";
            return run;
        }
        auto& dev = fleet.process("device-" + id);
        dev.signal(SIGKILL);
        dev.wait_exit(std::chrono::seconds(10));
        run.killed_at_percent = wire.progress(id);
        pid = fleet.start_device("gw1", id, "A123", {"main=1.0"}).pid();
    }
    bool done = testing::eventually([&] { return wire.power_ons(*campaign) >= 1; }, cfg.timeout);
    run.peak_rss_kib = rss.stop();
    if (!done) {
        run.error = "no power_on from the device";
        return run;
    }
    run.total_s = std::chrono::duration<double>(wire.last_power_on(*campaign) - t0).count();
    if (auto v = wire.phase_at(id, "verifying"))
        run.transfer_s = std::chrono::duration<double>(*v - wire.first_fanout_at()).count();
    // Let late duplicates land before reading the counters.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    run.manager_to_gateway = wire.manager_to_gateway();
    run.fanout = wire.fanout();
    run.repairs = wire.repairs();
    run.ok = true;
    return run;
}

}  // namespace fleetcast::bench
