#pragma once
// Helpers of the tests that update a real device agent (no simulator) through
// a shipped update handler: files on the device's "hardware", a campaign for
// the one device, and its results row once the update ended.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/integration/handshake_support.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::testing {

inline std::string sha256_of(const std::filesystem::path& p) {
    auto d = sha256_file(p);
    return d ? to_hex(*d) : std::string();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

// The file's text without trailing newlines and spaces; empty when it cannot be read.
inline std::string read_text(const std::filesystem::path& p) {
    auto t = read_file(p);
    if (!t) return {};
    std::string s = *t;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// `fleetcast firmware add` of a new image of model A123, component main.
inline ImageFile add_main_image(Fleet& fleet, const std::string& version, std::uint64_t size) {
    auto image = fleet.make_image("A123", "main", version, size);
    fleet.add_firmware(image);
    return image;
}

// A campaign of `image` for kDevice without retries, once the device registered: its id, or empty.
inline std::string create_device_campaign(Fleet& fleet, const ImageFile& image) {
    if (!fleet.wait_registered(1, std::chrono::seconds(30))) return {};
    auto r = fleet.cli({"campaign", "create", "--device", kDevice, "--firmware", image.fw_id, "--retries", "0"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto id = campaign_of(r);
    return validate_id(id, "campaign") ? id : std::string();
}

struct EndedRow {
    std::string state, result, error, detail;
};

// kDevice's results row once its update ended (or the last one seen).
inline EndedRow wait_ended(Fleet& fleet, const std::string& campaign, std::chrono::seconds timeout) {
    EndedRow e;
    eventually(
        [&] {
            auto data = fleet.cli_json({"results", campaign});
            if (data.empty()) return false;
            const cJSON* row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(data.get(), "devices"), 0);
            if (!row) return false;
            e = {str(row, "state"), str(row, "result"), str(row, "error"), str(row, "detail")};
            return e.result == "UPDATING COMPLETED" || e.result == "ERROR" || e.result == "CANCELED";
        },
        timeout);
    return e;
}

inline std::string agent_log(const Fleet& fleet, const std::string& device = kDevice) {
    auto t = read_file(fleet.dir() / ("agent-" + device + ".log"));
    return t ? *t : std::string();
}

}  // namespace fleetcast::testing
