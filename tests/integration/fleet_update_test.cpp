// One firmware image per model/component from the manager, through the gateway
// cache, to a fleet of simulated devices, on a real mosquitto (R1-R5, R16, R21
// integrity).
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

std::string device_id(const std::string& model, int serial) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%06d", model.c_str(), serial);
    return buf;
}

// The image file a device boots for `component`, according to its state file.
std::string active_slot_contents(const std::filesystem::path& device_dir, const std::string& component) {
    auto state = read_file(device_dir / "state.json");
    if (!state) return {};
    auto j = Json::parse(*state);
    if (!j) return {};
    auto comps = json::get_object(j->get(), "components");
    if (!comps) return {};
    auto comp = json::get_object(*comps, component.c_str());
    if (!comp) return {};
    auto slot = json::get_string(*comp, "slot");
    if (!slot) return {};
    auto img = read_file(device_dir / "slots" / component / (*slot + ".img"), 1ULL << 30);
    return img ? *img : std::string();
}

}  // namespace

TEST(FleetUpdate, EveryDeviceRunsItsNewImagesAndEachImageCrossedTheManagerLinkOnce) {
    Fleet fleet;
    Observer wire(fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/gw/+/fw/+/chunk");
    wire.subscribe("fleetcast/v1/site/+/model/+/fw/+/chunk");

    fleet.start_manager();
    fleet.start_gateway("gw1");
    // A123 devices run one component; B456 devices two (main + controller), both updated in one campaign (R4).
    fleet.start_devices("gw1", "A123", 5, 1, {"main=1.0"});
    fleet.start_devices("gw1", "B456", 5, 1, {"main=1.0", "controller=3.0"});

    auto a_main = fleet.make_image("A123", "main", "2.0", 3 * 1024 * 1024 + 1000);
    auto b_main = fleet.make_image("B456", "main", "2.1", 2 * 1024 * 1024 + 77);
    auto b_ctl = fleet.make_image("B456", "controller", "3.1", 300 * 1024 + 5);
    for (auto* img : {&a_main, &b_main, &b_ctl}) ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(*img));
    ASSERT_TRUE(fleet.wait_registered(10, 60s)) << "devices did not register with the manager";

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    ASSERT_TRUE(validate_id(campaign, "campaign")) << created.output;

    auto done = fleet.cli({"results", campaign, "--wait-complete", "180"}, 200s);
    EXPECT_EQ(done.exit_code, 0) << done.output;

    // The manager records every device as completed, with the new versions.
    auto results = fleet.cli_json({"results", campaign});
    ASSERT_FALSE(results.empty());
    auto devs = json::get_array(results.get(), "devices", 1000);
    ASSERT_TRUE(devs);
    EXPECT_EQ(cJSON_GetArraySize(*devs), 10);
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, *devs) {
        EXPECT_EQ(json::get_optional_string(d, "result").value_or(""), "UPDATING COMPLETED")
            << json::get_optional_string(d, "device").value_or("?");
    }

    // Every device boots a slot byte-identical to its image.
    for (int s = 1; s <= 5; ++s) {
        auto a = fleet.device_dir(device_id("A123", s));
        auto b = fleet.device_dir(device_id("B456", s));
        EXPECT_EQ(to_hex(sha256(active_slot_contents(a, "main"))), a_main.sha256) << a;
        EXPECT_EQ(to_hex(sha256(active_slot_contents(b, "main"))), b_main.sha256) << b;
        EXPECT_EQ(to_hex(sha256(active_slot_contents(b, "controller"))), b_ctl.sha256) << b;
    }

    // Each image crossed the manager -> gateway link exactly once, and was
    // published once on its model's fan-out topic however many devices took it.
    auto stats = wire.stats();
    for (auto* img : {&a_main, &b_main, &b_ctl}) {
        auto chunks = chunk_count_for(img->size, kDefaultChunkSize);
        auto up = stats[*topics::gw_chunk("gw1", img->fw_id)];
        EXPECT_EQ(up.messages, chunks) << img->fw_id;
        EXPECT_EQ(up.bytes, img->size + chunks * kChunkHeaderSize) << img->fw_id;
        auto fan = stats[*topics::site_model_chunk("gw1", img->model, img->fw_id)];
        EXPECT_EQ(fan.messages, chunks) << img->fw_id;
    }
}
