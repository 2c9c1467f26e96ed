#pragma once
// A fleet of one gateway and one simulated device on a real broker, for the
// tests of one device's update from start to end (R16-R19).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "tests/integration/fleet.hpp"

namespace fleetcast::testing {

inline const std::string kDevice = "A123-000001";

inline std::string str(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }

// A fleet of one gateway and one simulated A123 device (main 1.0) with the
// given simulator options, and one image main 2.0 of `size` bytes.
struct OneDevice {
    Fleet fleet;
    ImageFile image;
    explicit OneDevice(const std::vector<std::string>& device_options, std::uint64_t size) {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", device_options);
        image = fleet.make_image("A123", "main", "2.0", size);
        fleet.add_firmware(image);
    }
    std::string create(const std::vector<std::string>& options) {
        if (!fleet.wait_registered(1, std::chrono::seconds(30))) return {};
        std::vector<std::string> args{"campaign", "create", "--device", kDevice};
        args.insert(args.end(), options.begin(), options.end());
        auto r = fleet.cli(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        auto id = r.output.substr(0, r.output.find('\n'));
        return validate_id(id, "campaign") ? id : std::string();
    }
    // The device's results row once it ended (or the last one seen).
    Json ended_row(const std::string& campaign, std::chrono::seconds timeout) {
        auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(timeout.count())},
                           timeout + std::chrono::seconds(10));
        (void)r;  // non-zero unless every device completed
        auto data = fleet.cli_json({"results", campaign});
        if (data.empty()) return Json();
        const cJSON* row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(data.get(), "devices"), 0);
        return row ? Json(cJSON_Duplicate(row, 1)) : Json();
    }
    // What the device runs, as the manager last heard it.
    std::string running_main() { return running_main_of(fleet); }
    static std::string running_main_of(Fleet& fleet) {
        auto devices = fleet.cli_json({"devices"});
        const cJSON* d = nullptr;
        cJSON_ArrayForEach(
            d, cJSON_GetObjectItemCaseSensitive(devices.get(), "devices")) if (str(d, "device") == kDevice) {
            return str(cJSON_GetObjectItemCaseSensitive(d, "firmware"), "main");
        }
        return {};
    }
    ~OneDevice() { fleet.dump_logs_on_failure(); }
};

}  // namespace fleetcast::testing
