// The device handshake, deferment, busy/service-call devices, defer and cancel
// from the panel and the operator, on a real mosquitto with the real programs
// (R11-R15, R20). Periods are seconds, not the real 20 minutes.
#include <gtest/gtest.h>

#include <csignal>

#include "common/messages.hpp"
#include "common/topics.hpp"
#include "device/panel_protocol.hpp"
#include "tests/integration/handshake_support.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kFastGateway{"--defer-period", "2s", "--answer-timeout", "5s", "--ready-timeout", "1s"};

class Handshake : public ::testing::Test {
   protected:
    Fleet fleet;
    ImageFile image;
    void SetUp() override {
        fleet.start_manager();
        fleet.start_gateway("gw1", "", kFastGateway);
    }
    void add_image() {
        image = fleet.make_image("A123", "main", "2.0", 400 * 1024 + 17);
        fleet.add_firmware(image);
    }
    std::string create(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"campaign", "create", "--all"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto created = fleet.cli(args);
        EXPECT_EQ(created.exit_code, 0) << created.output;
        return campaign_of(created);
    }
    bool state_is(const std::string& campaign, const std::string& device, const std::string& state,
                  std::chrono::milliseconds timeout = 60s) {
        return eventually([&] { return result_row(fleet, campaign, device).state == state; }, timeout);
    }
};

TEST_F(Handshake, NoTransmissionBeforeDeviceAnswers) {
    Observer wire(fleet.uri(), "wire");
    const std::string dev = serial_id("A123", 1);
    wire.subscribe(*topics::dev_event("gw1", dev));
    wire.subscribe("fleetcast/v1/site/gw1/model/+/fw/+/chunk");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--deferment", "3s"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    auto campaign = create();
    auto fan_topic = *topics::site_model_chunk("gw1", "A123", image.fw_id);
    auto event_topic = *topics::dev_event("gw1", dev);
    // The device acknowledges the request with "deferred"; until it answers ready nothing is sent.
    ASSERT_TRUE(wire.wait_for(
        [&](const auto& s) {
            auto it = s.find(event_topic);
            return it != s.end() && it->second.last_payload.find("\"deferred\"") != std::string::npos;
        },
        30s));
    bool sent_early = false;
    ASSERT_TRUE(wire.wait_for(
        [&](const auto& s) {
            auto ev = s.find(event_topic);
            bool ready = ev != s.end() && ev->second.last_payload.find("\"ready\"") != std::string::npos;
            bool chunks = s.count(fan_topic) && s.at(fan_topic).messages > 0;
            if (chunks && !ready && ev != s.end() && ev->second.last_payload.find("\"deferred\"") != std::string::npos)
                sent_early = true;
            return ready || chunks;
        },
        30s));
    EXPECT_FALSE(sent_early) << "chunks went out while the device had not answered";
    EXPECT_EQ(gateway_row(fleet, "gw1", dev).state == "requesting" ||
                  gateway_row(fleet, "gw1", dev).state == "transferring" ||
                  gateway_row(fleet, "gw1", dev).state == "installing" ||
                  gateway_row(fleet, "gw1", dev).state == "restarting" ||
                  gateway_row(fleet, "gw1", dev).state == "completed",
              true);
    EXPECT_TRUE(state_is(campaign, dev, "completed"));
    EXPECT_EQ(booted_version(fleet, dev), "2.0");
}

// R11 with a device that vanished: frozen (SIGSTOP) when the offer comes, so
// it never answers and the job is postponed "no response" by the gateway's
// hour-long period; then killed (its will: offline) and started again. Back
// online it is offered again at once: the campaign completes in seconds,
// which the hour-long period alone could not do.
TEST(HandshakeDeviceBack, ADeviceGoneWhenOfferedIsUpdatedAsSoonAsItIsBackNotAPeriodLater) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1", "", {"--defer-period", "1h", "--answer-timeout", "3s", "--ready-timeout", "1s"});
    const std::string dev = serial_id("A123", 1);
    auto index = fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 200 * 1024 + 5);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    fleet.device_processes()[index].signal(SIGSTOP);
    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = campaign_of(created);
    ASSERT_TRUE(eventually(
        [&] {
            auto row = gateway_row(fleet, "gw1", dev);
            return row.state == "waiting" && row.comment.rfind("no response", 0) == 0;
        },
        60s))
        << gateway_row(fleet, "gw1", dev).comment;
    fleet.device_processes()[index].signal(SIGKILL);
    ASSERT_NE(fleet.device_processes()[index].wait_exit(10s), -1);
    fleet.restart_devices(index);
    EXPECT_TRUE(eventually([&] { return result_row(fleet, campaign, dev).state == "completed"; }, 90s))
        << result_row(fleet, campaign, dev).state << " " << gateway_row(fleet, "gw1", dev).comment;
    EXPECT_EQ(booted_version(fleet, dev), "2.0");
    EXPECT_NE(fleet.gateway("gw1").log_tail(200000).find("update_due_again"), std::string::npos);
    if (HasFailure()) fleet.dump_logs_on_failure();
}

TEST_F(Handshake, AnswerComesOnlyAfterDefermentPeriod) {
    Observer wire(fleet.uri(), "wire");
    const std::string dev = serial_id("A123", 1);
    wire.subscribe(*topics::dev_event("gw1", dev));
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    // The operator sets the deferment management parameter (Fig. 36) through manager and gateway.
    auto set = fleet.cli({"device", "set-param", dev, "deferment", "3s"});
    ASSERT_EQ(set.exit_code, 0) << set.output;
    ASSERT_TRUE(eventually(
        [&] {
            auto r = fleet.cli({"devices", "--json"});
            return r.output.find("\"value_ms\":\t3000") != std::string::npos ||
                   r.output.find("\"value_ms\": 3000") != std::string::npos ||
                   r.output.find("\"value_ms\":3000") != std::string::npos;
        },
        30s))
        << fleet.cli({"devices", "--json"}).output;

    auto campaign = create();
    auto event_topic = *topics::dev_event("gw1", dev);
    std::string deferred;
    ASSERT_TRUE(wire.wait_for(
        [&](const auto& s) {
            auto it = s.find(event_topic);
            if (it == s.end() || it->second.last_payload.find("\"deferred\"") == std::string::npos) return false;
            deferred = it->second.last_payload;
            return true;
        },
        30s));
    auto j = Json::parse(deferred);
    ASSERT_TRUE(j);
    auto until = json::get_time(j->get(), "until");
    ASSERT_TRUE(until);
    // The gateway's table and the manager's view show when the device will answer.
    EXPECT_TRUE(eventually([&] { return result_row(fleet, campaign, dev).update_at == format_time(*until); }, 10s));
    EXPECT_NE(gateway_row(fleet, "gw1", dev).comment.find("device deferment"), std::string::npos);
    // Until then the device has not answered ready (the panel shows the waiting screen).
    auto panel = fleet.panel(dev, {"--show"});
    EXPECT_NE(panel.output.find("WAITING FOR FIRMWARE UPDATING"), std::string::npos) << panel.output;
    while (std::chrono::system_clock::now() < *until - 300ms) {
        auto last = wire.last_payload(event_topic).value_or("");
        ASSERT_EQ(last.find("\"ready\""), std::string::npos) << "answered before the deferment period ended";
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(state_is(campaign, dev, "completed"));
    auto shown = fleet.panel(dev, {"--show"});
    EXPECT_NE(shown.output.find("ENDED NORMALLY: main=1.0 -> main=2.0"), std::string::npos) << shown.output;
}

TEST_F(Handshake, BusyDeviceIsPushedBackAndUpdatedWhenIdle) {
    const std::string dev = serial_id("A123", 1);
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--profile", "busy=1", "--busy-for", "4s"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    auto campaign = create();
    ResultRow pushed;
    ASSERT_TRUE(eventually(
        [&] {
            pushed = result_row(fleet, campaign, dev);
            return pushed.detail.find("busy (printing)") != std::string::npos;
        },
        30s))
        << pushed.detail;
    EXPECT_EQ(pushed.state, "waiting");
    EXPECT_NE(pushed.detail.find(" -> "), std::string::npos) << pushed.detail;
    EXPECT_TRUE(state_is(campaign, dev, "completed"));
    EXPECT_EQ(booted_version(fleet, dev), "2.0");
}

TEST_F(Handshake, ServiceCallTypeCDoesNotBlockAndTypeADoes) {
    const std::string a = serial_id("A123", 1), c = serial_id("A123", 2);
    fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"}, "", {"--profile", "sc-a=1,sc-c=1"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    auto campaign = create();
    EXPECT_TRUE(state_is(campaign, c, "completed"));
    auto row = result_row(fleet, campaign, a);
    EXPECT_EQ(row.state, "waiting");
    EXPECT_NE(row.detail.find("service call type A"), std::string::npos) << row.detail;
    EXPECT_EQ(booted_version(fleet, a), "1.0");
    // A technician clears the type A error on the device: at its next update time it updates.
    auto cleared = fleet.panel(a, {"--status", "idle"});
    ASSERT_EQ(cleared.exit_code, 0) << cleared.output;
    EXPECT_TRUE(state_is(campaign, a, "completed"));
}

TEST_F(Handshake, DeferFromPanelAndOperatorMovesUpdateTime) {
    const std::string p = serial_id("A123", 1), o = serial_id("A123", 2);
    fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"}, "", {"--deferment", "6s"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    auto campaign = create();
    for (const auto& d : {p, o})
        ASSERT_TRUE(
            eventually([&] { return fleet.panel(d, {"--show"}).output.find("WAITING") != std::string::npos; }, 30s));
    // A defer moves the update time (here: the expected end of the waiting screen) by --by.
    // After this the devices answer at once, so the moved time is what holds them back.
    for (const auto& d : {p, o}) ASSERT_EQ(fleet.panel(d, {"--set-deferment", "0s"}).exit_code, 0);

    auto by_panel = fleet.panel(p, {"--defer", "--by", "8s"});
    ASSERT_EQ(by_panel.exit_code, 0) << by_panel.output;
    auto by_operator = fleet.cli({"defer", o, "--by", "8s"});
    ASSERT_EQ(by_operator.exit_code, 0) << by_operator.output;
    EXPECT_NE(by_operator.output.find("deferred by operator"), std::string::npos) << by_operator.output;

    for (auto [dev, who] : {std::pair{p, "panel"}, std::pair{o, "operator"}}) {
        // The gateway's table and the manager's view show the same moved time.
        ResultRow row;
        GatewayRow gw;
        EXPECT_TRUE(eventually(
            [&] {
                row = result_row(fleet, campaign, dev);
                gw = gateway_row(fleet, "gw1", dev);
                return row.detail.find(std::string("deferred by ") + who) != std::string::npos &&
                       gw.comment.find(std::string("deferred by ") + who) != std::string::npos &&
                       gw.update_at == row.update_at;
            },
            20s))
            << row.detail << " | " << gw.comment << " | " << gw.update_at << " vs " << row.update_at;
        EXPECT_NE(gw.comment.find(" -> "), std::string::npos) << gw.comment;
    }
    EXPECT_TRUE(state_is(campaign, p, "completed"));
    EXPECT_TRUE(state_is(campaign, o, "completed"));
}

TEST_F(Handshake, CancelAtEachStageKeepsOldFirmware) {
    const std::string before = serial_id("A123", 1), during = serial_id("A123", 2), writing = serial_id("A123", 3);
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"}, "", {"--deferment", "60s"});
    fleet.start_devices("gw1", "A123", 1, 2, {"main=1.0"}, "", {"--profile", "cancel=1"});  // panel cancel mid-transfer
    fleet.start_devices("gw1", "A123", 1, 3, {"main=1.0"}, "", {"--install-time", "6s"});
    // Never ends (service call A): keeps the campaign, and so the gateway's table rows, open.
    fleet.start_devices("gw1", "A123", 1, 4, {"main=1.0"}, "", {"--profile", "sc-a=1"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(4, 60s));
    auto campaign = create();

    ASSERT_TRUE(eventually(
        [&] { return result_row(fleet, campaign, before).detail.find("deferment") != std::string::npos; }, 30s));
    auto c1 = fleet.cli({"cancel", before});
    EXPECT_EQ(c1.exit_code, 0) << c1.output;
    ASSERT_TRUE(state_is(campaign, writing, "installing"));
    auto c3 = fleet.cli({"cancel", writing});
    EXPECT_EQ(c3.exit_code, 0) << c3.output;

    for (auto [dev, stage] : {std::pair{before, "before transfer"}, std::pair{during, "during transfer"},
                              std::pair{writing, "during writing"}}) {
        EXPECT_TRUE(state_is(campaign, dev, "canceled")) << dev;
        auto row = result_row(fleet, campaign, dev);
        EXPECT_EQ(row.result, "CANCELED") << dev;
        EXPECT_NE(row.detail.find(stage), std::string::npos) << dev << ": " << row.detail;
        auto gw = gateway_row(fleet, "gw1", dev);
        EXPECT_EQ(gw.necessity, "NO") << dev;
        EXPECT_EQ(gw.state, "canceled") << dev;
        EXPECT_EQ(booted_version(fleet, dev), "1.0") << dev;
        auto panel = fleet.panel(dev, {"--show"});
        EXPECT_NE(panel.output.find("CANCELED: still running main=1.0"), std::string::npos) << panel.output;
    }
    // Once the blocked device is cleared and updates, every target that was not canceled completed.
    ASSERT_EQ(fleet.panel(serial_id("A123", 4), {"--status", "idle"}).exit_code, 0);
    auto done = fleet.cli({"results", campaign, "--wait-complete", "60"}, 90s);
    EXPECT_EQ(done.exit_code, 0) << done.output;
}

TEST_F(Handshake, DuplicateDeferAndCancelHaveNoExtraEffect) {
    Observer wire(fleet.uri(), "wire");
    wire.subscribe(*topics::gw_state("gw1"));
    const std::string d1 = serial_id("A123", 1), d2 = serial_id("A123", 2);
    fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"});
    ASSERT_NO_FATAL_FAILURE(add_image());
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    auto campaign = create({"--update-at", "+1h"});
    std::string planned;
    ASSERT_TRUE(eventually([&] { return !(planned = gateway_row(fleet, "gw1", d1).update_at).empty(); }, 20s));
    auto t = parse_time(planned);
    ASSERT_TRUE(t);
    // QoS 1 may deliver a command twice: the same request id is applied once.
    auto defer = encode(GwDeferCmd{campaign, d1, "op-defer-1", Millis(20min)});
    wire.publish(*topics::gw_cmd("gw1"), defer);
    wire.publish(*topics::gw_cmd("gw1"), defer);
    auto cancel = encode(GwCancelCmd{campaign, d2, "op-cancel-1"});
    wire.publish(*topics::gw_cmd("gw1"), cancel);
    wire.publish(*topics::gw_cmd("gw1"), cancel);
    ASSERT_TRUE(eventually([&] { return result_row(fleet, campaign, d2).state == "canceled"; }, 20s));
    ASSERT_TRUE(eventually([&] { return result_row(fleet, campaign, d1).update_at == format_time(*t + 20min); }, 20s))
        << result_row(fleet, campaign, d1).update_at;
    ASSERT_TRUE(wire.wait_for(
        [&](const auto& s) {
            auto it = s.find(*topics::gw_state("gw1"));
            return it != s.end() && it->second.last_payload.find("\"duplicate_request\":1") != std::string::npos;
        },
        20s));
    EXPECT_EQ(gateway_row(fleet, "gw1", d1).update_at, format_time(*t + 20min));
    EXPECT_EQ(result_row(fleet, campaign, d2).result, "CANCELED");
}

TEST_F(Handshake, MalformedPanelCommandGetsClearError) {
    const std::string dev = serial_id("A123", 1);
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    ASSERT_TRUE(eventually([&] { return fleet.panel(dev, {"--show"}).exit_code == 0; }, 20s));

    auto bad_by = fleet.panel(dev, {"--defer", "--by", "soon"});
    EXPECT_EQ(bad_by.exit_code, 2);
    EXPECT_NE(bad_by.output.find("--by must be a positive duration"), std::string::npos) << bad_by.output;
    auto two = fleet.panel(dev, {"--defer", "--cancel"});
    EXPECT_EQ(two.exit_code, 2);
    EXPECT_NE(two.output.find("at most one of"), std::string::npos) << two.output;
    auto no_type = fleet.panel(dev, {"--status", "error"});
    EXPECT_EQ(no_type.exit_code, 2);
    EXPECT_NE(no_type.output.find("--service-call A, B, C or D"), std::string::npos) << no_type.output;
    auto nothing = fleet.panel(dev, {"--defer"});
    EXPECT_EQ(nothing.exit_code, 1);
    EXPECT_NE(nothing.output.find("nothing to defer"), std::string::npos) << nothing.output;

    // A request file that is not a valid request: the agent answers with the reason and goes on.
    auto requests = device::panel_requests_dir(fleet.device_dir(dev));
    ASSERT_TRUE(
        write_file_atomic(requests / "junk-1.json", R"({"type":"panel_request","id":"junk-1","action":"explode"})"));
    auto answer = device::panel_responses_dir(fleet.device_dir(dev)) / "junk-1.json";
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(answer); }, 10s));
    auto text = read_file(answer);
    ASSERT_TRUE(text);
    auto resp = device::decode_panel_response(*text);
    ASSERT_TRUE(resp);
    EXPECT_FALSE(resp->ok);
    EXPECT_NE(resp->message.find("unknown action 'explode'"), std::string::npos) << resp->message;
    ASSERT_TRUE(write_file_atomic(requests / "junk-2.json", "{not json"));
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(answer.parent_path() / "junk-2.json"); }, 10s));
    // Still running and answering.
    auto ok = fleet.panel(dev, {"--set-deferment", "1s"});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    auto none = run_command(
        {FLEETCAST_DEVICE_BIN, "panel", "--state-dir", (fleet.dir() / "nowhere").string(), "--cancel"}, 10s);
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_NE(none.output.find("is an agent running"), std::string::npos) << none.output;
}

}  // namespace
