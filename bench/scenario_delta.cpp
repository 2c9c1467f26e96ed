// Scenario 7 (issue 17): delta transfers. One real device agent runs image
// V1 (installed by a first campaign); a second campaign moves it to V2. The
// manager makes the V1->V2 delta (or falls back to the full image when it
// saves too little) and the figures are what crossed each link for V2, the
// delta/image ratio, the manager's time to make the delta, and the device's
// CPU time and anonymous memory (RssAnon, sampled every 10 ms) during V2.
// Cases: a real pair of consecutive releases of a compiled program
// (--delta-source/--delta-target, bench/README.md says which and how to
// fetch it), an edited random image of 1 MiB and of 64 MiB (memory must not
// grow with the image), and random V2 bytes (no delta: the worst case).
#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <thread>

#include "bench/scenarios.hpp"
#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/operator_views.hpp"
#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::bench {

namespace {

std::uint64_t rss_anon_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8));
    return 0;
}

// The highest RssAnon of `pid` seen every 10 ms until stop().
class RssAnonSampler {
   public:
    explicit RssAnonSampler(int pid)
        : thread_([this, pid] {
              while (!stop_) {
                  peak_ = std::max<std::uint64_t>(peak_, rss_anon_kib(pid));
                  std::this_thread::sleep_for(std::chrono::milliseconds(10));
              }
          }) {}
    ~RssAnonSampler() { stop(); }
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

ImageFile image_from(const std::filesystem::path& path, const std::string& version) {
    ImageFile img;
    img.path = path;
    img.model = "A123";
    img.component = "main";
    img.version = version;
    std::error_code ec;
    img.size = std::filesystem::file_size(path, ec);
    auto d = sha256_file(path);
    img.sha256 = d ? to_hex(*d) : std::string();
    return img;
}

// V1 with a few bytes changed every 256 KiB and 64 KiB of new bytes in the middle.
ImageFile edited_copy(const ImageFile& v1, const std::filesystem::path& path, std::uint32_t seed) {
    auto bytes = read_file(v1.path, 1ULL << 32);
    std::string s = bytes ? *bytes : std::string();
    std::mt19937 rng(seed);
    for (std::size_t i = 777; i < s.size(); i += 256 * 1024) s[i] = static_cast<char>(rng());
    std::string fresh(64 * 1024, '\0');
    for (auto& c : fresh) c = static_cast<char>(rng());
    s.insert(s.size() / 2, fresh);
    (void)write_file_atomic(path, s);
    return image_from(path, "1.2");
}

ImageFile random_file(const std::filesystem::path& path, std::uint64_t size, std::uint32_t seed) {
    std::string s(size, '\0');
    std::mt19937_64 rng(seed);
    for (std::size_t i = 0; i + 8 <= s.size(); i += 8) {
        auto v = rng();
        std::memcpy(&s[i], &v, 8);
    }
    (void)write_file_atomic(path, s);
    return image_from(path, "1.2");
}

struct DeltaCase {
    std::string name;
    std::function<std::pair<ImageFile, ImageFile>(const std::filesystem::path& dir)> images;  // V1, V2
};

// The manager's delta_made / delta_skipped line: its ms and delta bytes.
std::pair<double, double> delta_line(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::string line;
    std::regex re("delta_(made|skipped).* delta_bytes=([0-9]+).* ms=([0-9]+)");
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, re)) return {std::stod(m[3]), std::stod(m[2])};
    return {-1, -1};
}

void run_case(ScenarioReport& rep, const BenchConfig& cfg, const DeltaCase& c) {
    BenchFleet fleet(fleet_options(cfg, "delta-" + c.name));
    WireCounter wire(fleet.uri(), "bench-wire-counter");
    const std::string id = "A123-000001";
    fleet.start_manager();
    fleet.start_gateway("gw1");
    const int pid = fleet.start_device("gw1", id, "A123", {"main=1.0"}).pid();
    auto [v1, v2] = c.images(fleet.dir());
    auto fail = [&](const std::string& why) { rep.fail(c.name + ": " + why); };
    if (v1.sha256.empty() || v2.sha256.empty()) return fail("cannot read the images");
    v1.version = "1.1";
    if (auto st = fleet.add_firmware(v1, cfg.chunk_size); !st) return fail(st.error().str());
    if (!fleet.wait_registered(1, std::chrono::seconds(180))) return fail("device did not register");
    auto first = fleet.create_campaign({"--device", id, "--firmware", v1.fw_id});
    if (!first) return fail(first.error().str());
    if (!testing::eventually([&] { return wire.power_ons(*first) >= 1; }, cfg.timeout)) return fail("V1 never booted");

    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    wire.reset();
    if (auto st = fleet.add_firmware(v2, cfg.chunk_size); !st) return fail(st.error().str());
    const double cpu_before = cpu_seconds(pid);
    RssAnonSampler rss(pid);
    const auto idle_anon = rss_anon_kib(pid);
    auto second = fleet.create_campaign({"--device", id, "--firmware", v2.fw_id});
    if (!second) return fail(second.error().str());
    if (!testing::eventually([&] { return wire.power_ons(*second) >= 1; }, cfg.timeout)) return fail("V2 never booted");
    const auto peak_anon = rss.stop();
    const double cpu = cpu_seconds(pid) - cpu_before;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto up = wire.manager_to_gateway(), fan = wire.fanout(), rep_bytes = wire.repairs();
    const auto booted = sha256_file(fleet.device_dir(id) / "slots" / "main" / "a.img");
    const auto booted_b = sha256_file(fleet.device_dir(id) / "slots" / "main" / "b.img");
    if (!(booted && to_hex(*booted) == v2.sha256) && !(booted_b && to_hex(*booted_b) == v2.sha256))
        fail("no slot holds V2 after the update");
    const auto [ms, delta_bytes] = delta_line(fleet.manager().log_path());
    const double image_msgs = static_cast<double>(v2.size + v2.chunk_count * kChunkHeaderSize);
    rep.figure(c.name + "_image_bytes", static_cast<double>(v2.size), "B");
    rep.figure(c.name + "_delta_bytes", delta_bytes, "B (-1: none made)");
    rep.figure(c.name + "_delta_ratio_pct", delta_bytes < 0 ? -1 : 100.0 * delta_bytes / static_cast<double>(v2.size),
               "% of the image");
    rep.figure(c.name + "_manager_delta_ms", ms, "ms to make (or try) the delta");
    rep.figure(c.name + "_manager_to_gateway_pct", 100.0 * static_cast<double>(up.bytes) / image_msgs,
               "% of the full image's chunk messages");
    rep.figure(c.name + "_site_link_pct", 100.0 * static_cast<double>(fan.bytes + rep_bytes.bytes) / image_msgs,
               "% (fan-out + repairs)");
    rep.figure(c.name + "_device_cpu_s", cpu, "s (user+sys, V2 campaign)");
    rep.figure(c.name + "_device_rss_anon_idle_kib", static_cast<double>(idle_anon), "KiB");
    rep.figure(c.name + "_device_rss_anon_peak_kib", static_cast<double>(peak_anon), "KiB");
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
}

}  // namespace

ScenarioReport scenario_delta(const BenchConfig& cfg) {
    ScenarioReport rep("7_delta");
    std::vector<DeltaCase> cases;
    if (!cfg.delta_source.empty() && !cfg.delta_target.empty())
        cases.push_back({"release", [&](const std::filesystem::path&) {
                             return std::make_pair(image_from(cfg.delta_source, "1.1"),
                                                   image_from(cfg.delta_target, "1.2"));
                         }});
    else rep.note("release", "skipped: no --delta-source/--delta-target (bench/README.md: how to fetch the pair)");
    for (std::uint64_t mib : {std::uint64_t{1}, std::uint64_t{64}})
        cases.push_back({"edited_" + std::to_string(mib) + "mib", [mib](const std::filesystem::path& dir) {
                             auto v1 = random_file(dir / "v1.bin", mib << 20, 11);
                             return std::make_pair(v1, edited_copy(v1, dir / "v2.bin", 12));
                         }});
    cases.push_back({"random_8mib", [](const std::filesystem::path& dir) {
                         return std::make_pair(random_file(dir / "v1.bin", 8 << 20, 21),
                                               random_file(dir / "v2.bin", 8 << 20, 22));
                     }});
    for (const auto& c : cases) run_case(rep, cfg, c);
    return rep;
}

}  // namespace fleetcast::bench
