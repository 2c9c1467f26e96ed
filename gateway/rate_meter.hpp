#pragma once
// Measures the gateway's two kinds of links (R9) and reports each figure to
// the manager as a `rate` report:
// - manager -> gateway: from the chunks of a real download (fetch or push),
//   counting only the time while chunks keep arriving (gaps longer than
//   `idle_gap` are pauses, not transfer time);
// - gateway -> device: from the offer to the device's "installing" progress
//   (handshake, fan-out and repairs included: the time a device really takes);
// - a small probe on a link that has no figure yet (topics.md "Rates and probes").
// Times come from the Clock, so figures are in schedule time like the plans.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"

namespace fleetcast::gateway {

struct RateMeterConfig {
    bool probe = false;  // send probes for links without a figure
    std::uint64_t manager_probe_bytes = 256 * 1024;
    std::uint64_t device_probe_bytes = 16 * 1024;
    std::size_t max_device_probes = 4;  // outstanding at a time
    Millis probe_timeout{30000};        // an unanswered probe may be sent again after this
    Millis idle_gap{5000};
};

class RateMeter {
   public:
    RateMeter(Transport& transport, Clock& clock, Counters& counters, std::string gateway, RateMeterConfig config);

    // manager -> gateway, from real downloads
    void manager_chunk(const std::string& fw_id, std::uint64_t bytes);
    void manager_download_done(const std::string& fw_id, std::string_view source);
    // gateway -> device, from real deliveries
    void offered(const std::string& campaign, const std::string& device, std::uint64_t bytes);
    void delivered(const std::string& campaign, const std::string& device);
    // probes: tick() sends what is missing; answers come back here
    void tick(bool manager_online, const std::map<std::string, DeviceState>& devices);
    Status on_manager_probe_data(std::string_view payload);
    Status on_device_probe_ack(const std::string& device, std::string_view payload);

    bool has_manager_rate() const { return have_manager_; }
    // Latest measured manager -> gateway rate, 0 when none yet.
    double manager_bytes_per_second() const { return manager_bytes_per_s_; }
    bool has_device_rate(const std::string& device) const { return have_device_.count(device) > 0; }
    // The last figure measured for the gateway -> device link (bytes/s in
    // clock time), or nullopt; used to stop a transfer that cannot finish (R18).
    std::optional<double> device_rate(const std::string& device) const;
    const std::map<std::string, double>& device_rates() const { return device_rates_; }

   private:
    struct Window {
        TimePoint last{};
        bool started = false;
        std::uint64_t bytes = 0;
        Millis active{0};
    };
    struct Probe {
        std::string device;  // empty: the manager link
        TimePoint sent{};
        std::uint64_t bytes = 0;
    };
    void report(RateLink link, const std::string& device, std::uint64_t bytes, Millis took, std::string_view source);
    std::string next_probe_id();
    double manager_bytes_per_s_ = 0;
    bool probing(const std::string& device, TimePoint now) const;

    Transport& transport_;
    Clock& clock_;
    Counters& counters_;
    std::string gateway_;
    RateMeterConfig config_;
    std::map<std::string, Window> downloads_;                                                    // by fw_id
    std::map<std::pair<std::string, std::string>, std::pair<TimePoint, std::uint64_t>> offers_;  // (campaign, device)
    bool have_manager_ = false;
    std::set<std::string> have_device_;
    std::map<std::string, double> device_rates_;  // last figure per device
    std::map<std::string, Probe> probes_;         // by probe id
    std::uint64_t probe_seq_ = 0;
};

}  // namespace fleetcast::gateway
