#pragma once
// A Manager on a temporary state directory, driven by a RecordingTransport and
// a ManualClock, with helpers that speak the protocol like the CLI and gateways.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "common/messages.hpp"
#include "common/topics.hpp"
#include "manager/manager.hpp"
#include "tests/support/recording_transport.hpp"
#include "tests/support/test_keys.hpp"

namespace fleetcast::manager::testing {

using fleetcast::testing::Published;

class ManagerTest : public ::testing::Test {
   protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() /
              ("fleetcast-manager-test-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir);
        open_manager();
    }
    void TearDown() override {
        mgr.reset();
        std::filesystem::remove_all(dir);
    }

    void open_manager() {
        mgr.reset();
        ManagerConfig config;
        config.state_dir = dir / "state";
        config.signing_key = fleetcast::testing::test_signing_key();
        config.page_limit = page_limit;
        config.delta_executor = delta_executor;
        auto m = Manager::open(transport, clock, config);
        ASSERT_TRUE(m) << m.error().str();
        mgr = std::move(*m);
        auto st = mgr->start();
        ASSERT_TRUE(st) << st.error().str();
    }

    void deliver(const std::string& topic, const std::string& payload) {
        mgr->handle(MqttEvent{MqttEvent::Kind::Message, 0, topic, payload, false});
    }

    // Sends an operator request as client "op1" (identity "op1") and returns the response.
    OperatorResponse request(const std::string& op, const std::string& args_json = "{}") {
        return request_as("op1", "op1", op, args_json);
    }
    // The same from another operator: the request topic mgr/req/{identity}/{client}.
    OperatorResponse request_as(const std::string& identity, const std::string& client, const std::string& op,
                                const std::string& args_json = "{}") {
        OperatorRequest req;
        req.req_id = "r-" + std::to_string(++request_count);
        req.op = op;
        auto args = Json::parse(args_json);
        EXPECT_TRUE(args) << args_json;
        if (args) req.args = std::move(*args);
        deliver(*topics::manager_request(identity, client), encode(req));
        return last_response(identity, client);
    }
    // The last answer on mgr/resp/{identity}/{client}.
    OperatorResponse last_response(const std::string& identity = "op1", const std::string& client = "op1") {
        auto sent = transport.on_topic(*topics::manager_response(identity, client));
        EXPECT_FALSE(sent.empty());
        if (sent.empty()) return {};
        auto resp = decode_operator_response(sent.back().payload);
        EXPECT_TRUE(resp) << resp.error().str();
        return resp ? std::move(*resp) : OperatorResponse{};
    }

    std::filesystem::path write_file(const std::string& name, std::size_t size, unsigned seed = 1) {
        std::mt19937 rng(seed);
        std::string bytes(size, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        auto path = dir / name;
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path;
    }

    FirmwareManifest add_firmware(const std::string& model, const std::string& component, const std::string& version,
                                  std::size_t size = 3000, std::uint32_t chunk_size = 1024) {
        auto path = write_file(model + "-" + component + "-" + version + ".img", size,
                               static_cast<unsigned>(std::hash<std::string>{}(model + component + version)));
        auto args = Json::object();
        json::put(args.get(), "path", path.string());
        json::put(args.get(), "model", model);
        json::put(args.get(), "component", component);
        json::put(args.get(), "version", version);
        json::put(args.get(), "chunk_size", std::uint64_t{chunk_size});
        auto resp = request("firmware_add", args.dump());
        EXPECT_TRUE(resp.ok) << resp.error;
        auto m = manifest_from_json(resp.data.get());
        EXPECT_TRUE(m) << m.error().str();
        return m ? *m : FirmwareManifest{};
    }

    void device_seen(const std::string& gw, const std::string& dev, const std::string& model, Versions fw) {
        DeviceState s{dev, gw, model, DeviceStatus::Idle, std::move(fw), clock.now(), "", "", std::nullopt};
        deliver(*topics::gw_report(gw), encode(DeviceSeenReport{s}));
    }

    void job(const std::string& gw, const std::string& campaign, const std::string& dev, JobState state,
             std::uint32_t progress = 0, Versions fw = {}, const std::string& detail = "") {
        JobReport r;
        r.campaign = campaign;
        r.device = dev;
        r.state = state;
        r.progress = progress;
        r.detail = detail;
        r.firmware = std::move(fw);
        deliver(*topics::gw_report(gw), encode(r));
    }

    std::string create_campaign(const std::string& args_json) {
        auto resp = request("campaign_create", args_json);
        EXPECT_TRUE(resp.ok) << resp.error;
        auto id = json::get_optional_string(resp.data.get(), "campaign");
        return id.value_or("");
    }

    // The rows of a results response, by device.
    std::map<std::string, const cJSON*> rows(const OperatorResponse& resp) {
        std::map<std::string, const cJSON*> out;
        const cJSON* row = nullptr;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(resp.data.get(), "devices")) {
            out[json::get_optional_string(row, "device").value_or("")] = row;
        }
        return out;
    }

    std::uint64_t counter(const std::string& name) const { return mgr->counters().get(name); }

    std::filesystem::path dir;
    std::uint64_t page_limit = kResultsPageMax;  // ManagerConfig::page_limit at the next open_manager()
    ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1795642200))};
    fleetcast::testing::RecordingTransport transport;
    std::unique_ptr<Manager> mgr;
    Executor* delta_executor = nullptr;  // set before open_manager(); none: deltas made inline
    int request_count = 0;
};

inline std::string field(const cJSON* obj, const char* key) {
    return json::get_optional_string(obj, key).value_or("<missing>");
}

}  // namespace fleetcast::manager::testing
