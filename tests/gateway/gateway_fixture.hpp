#pragma once
// Drives one Gateway with a RecordingTransport, a ManualClock and a temporary
// state directory; helpers build inputs with the common encoders.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/messages.hpp"
#include "gateway/gateway.hpp"
#include "tests/support/recording_transport.hpp"

namespace fleetcast::gateway::testing {

inline constexpr const char* kGw = "gw1";

struct TestImage {
    std::string bytes;
    FirmwareManifest manifest;
    std::string chunk(std::uint32_t index) const;  // encoded chunk message
};
// A deterministic image of `size` bytes in 1 KiB chunks.
TestImage make_image(const std::string& model, const std::string& component, const std::string& version,
                     std::size_t size, char seed = 'a');

class GatewayTest : public ::testing::Test {
   protected:
    GatewayTest();
    ~GatewayTest() override;

    void SetUp() override { boot(); }
    void boot();     // opens the store and starts a gateway
    void restart();  // destroys the gateway and the store, then boot()
    GatewayConfig config() const;

    void deliver(const std::string& topic, const std::string& payload, bool retained = false);  // handle + tick
    void handle_only(const std::string& topic, const std::string& payload, bool retained = false);

    Schedule make_schedule(const std::string& campaign, TimePoint update_at,
                           const std::vector<const TestImage*>& images, const std::vector<std::string>& devices) const;
    void send_schedule(const Schedule& s);
    void send_chunk(const TestImage& img, std::uint32_t index);
    void send_all_chunks(const TestImage& img);
    void device_state(const std::string& device, const std::string& model, const Versions& firmware,
                      DeviceStatus status = DeviceStatus::Idle);
    void device_event(const std::string& device, const std::string& payload);
    void advance(Millis d);  // clock + tick

    std::vector<FetchRequest> fetches() const;
    std::vector<std::uint32_t> fetched_indexes() const;  // every chunk index in every fetch, in order
    std::vector<JobReport> job_reports(const std::string& device = "") const;
    std::vector<CacheReport> cache_reports() const;
    std::vector<DeviceCommand> commands(const std::string& device) const;
    std::vector<std::uint32_t> chunk_indexes(const std::string& topic) const;
    std::vector<JobRow> stored_jobs() const;             // read through a second connection
    JobRow stored_job(const std::string& device) const;  // that device's row (empty when none)
    // How many commands of type T the gateway sent to `device`.
    template <typename T>
    int count_commands(const std::string& device) const {
        int n = 0;
        for (const auto& c : commands(device)) n += std::holds_alternative<T>(c);
        return n;
    }
    std::uint64_t counter(const std::string& name) const { return gw->counters().get(name); }

    std::filesystem::path dir;
    ManualClock clock;
    fleetcast::testing::RecordingTransport transport;
    std::unique_ptr<GatewayStore> store;
    std::unique_ptr<Gateway> gw;
    TestImage main_v2;  // model A123, component main, 1.0 -> 2.0, 10 chunks
};

}  // namespace fleetcast::gateway::testing
