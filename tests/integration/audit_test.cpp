// The audit log with the production broker (issue 19 item 3): TLS, the ACL of
// broker-config/ plus one block per operator from scripts/operator-acl, and
// certificates from scripts/make-certs. Two operators (alice, bob) send every
// kind of changing request with the real CLI; `fleetcast audit` names who sent
// each one. A device's certificate gets no request through, neither under its
// own identity nor under an operator's; an operator reads only its own answers.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>

#include "common/messages.hpp"
#include "common/operator_audit.hpp"
#include "common/topics.hpp"
#include "tests/integration/prod_broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fleet_launcher.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class Audit : public ::testing::Test {
   protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fleetcast-audit-XXXXXX";
        dir = ::mkdtemp(tmpl);
        auto blocks = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/operator-acl", "alice", "bob"}, 30s);
        ASSERT_EQ(blocks.exit_code, 0) << blocks.output;
        auto setup = ProdBrokerSetup::start(
            dir, {"manager", "alice", "bob", "gw1", "A123-000001"},
            source_file("broker-config/acl") + source_file("broker-config/dashboard.acl.part") + blocks.output);
        ASSERT_TRUE(setup) << setup.error().str();
        prod = std::move(*setup);
        auto l = FleetLauncher::create({dir, prod->broker().ssl_uri(), "", {"--timeout", "20s"}});
        ASSERT_TRUE(l) << l.error().str();
        launcher = std::make_unique<FleetLauncher>(std::move(*l));
        manager = ChildProcess(launcher->manager_argv(prod->tls_args("manager")), dir / "manager.log");
        gateway = ChildProcess(launcher->gateway_argv("gw1", "", prod->tls_args("gw1")), dir / "gateway.log");
    }
    void TearDown() override {
        if (::testing::Test::HasFailure()) {
            std::fprintf(stderr, "---- manager\n%s\n---- gateway\n%s\n---- mosquitto\n%s\n",
                         manager.log_tail(8000).c_str(), gateway.log_tail().c_str(),
                         prod ? prod->broker().log_tail().c_str() : "");
        }
        manager.stop();
        gateway.stop();
        prod.reset();
        if (!::testing::Test::HasFailure()) fs::remove_all(dir);
    }
    // `fleetcast ARGS` as an operator (its certificate).
    CommandResult as(const std::string& who, std::vector<std::string> args) {
        auto tls = prod->tls_args(who);
        args.insert(args.begin(), tls.begin(), tls.end());
        return launcher->cli(args, 60s);
    }

    fs::path dir;
    std::unique_ptr<ProdBrokerSetup> prod;
    std::unique_ptr<FleetLauncher> launcher;
    ChildProcess manager, gateway;
};

TEST_F(Audit, TheShippedOperatorBlocksAreWhatScriptsOperatorAclPrints) {
    auto r = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/operator-acl", "operator"}, 30s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(source_file("broker-config/acl").find(r.output), std::string::npos) << r.output;
    r = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/operator-acl", "dashboard"}, 30s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(source_file("broker-config/dashboard.acl.part").find(r.output), std::string::npos) << r.output;
}

TEST_F(Audit, EveryChangingRequestIsRecordedWithTheOperatorIdentity) {
    // The gateway must be known to the manager for its window.
    ASSERT_TRUE(eventually([&] { return as("alice", {"gateways"}).output.find("gw1") != std::string::npos; }, 60s));
    auto image = launcher->make_image("A123", "main", "2.0", 20000);
    // Each request: who, the CLI command, the op the manager records, and whether it succeeds.
    struct Step {
        std::string who;
        std::vector<std::string> cli;
        std::string op;
        bool ok;
    };
    const std::vector<Step> steps{
        {"alice",
         {"firmware", "add", image.path.string(), "--model", "A123", "--component", "main", "--version", "2.0"},
         "firmware_upload_commit",
         true},
        {"alice",
         {"gateway", "set-window", "gw1", "Mon-Fri 22:00-05:00", "--tz", "Europe/Berlin"},
         "gateway_set_window",
         true},
        {"bob", {"gateway", "clear-window", "gw1"}, "gateway_clear_window", true},
        {"alice", {"campaign", "create", "--all"}, "campaign_create", false},  // no device yet: no_targets
        {"bob", {"campaign", "pause", "c-none"}, "campaign_pause", false},
        {"bob", {"campaign", "resume", "c-none"}, "campaign_resume", false},
        {"bob", {"campaign", "cancel", "c-none"}, "campaign_cancel", false},
        {"alice", {"defer", "A123-000001", "--by", "20m"}, "defer", false},
        {"alice", {"cancel", "A123-000001"}, "cancel", false},
        {"bob", {"suspend", "A123-000001"}, "suspend", false},
        {"bob", {"resume", "A123-000001"}, "resume", false},
        {"alice", {"device", "set-param", "A123-000001", "deferment", "20m"}, "set_param", false},
    };
    for (const auto& s : steps) {
        auto r = as(s.who, s.cli);
        EXPECT_EQ(r.exit_code == 0, s.ok) << s.op << ": " << r.output;
    }
    auto listed =
        launcher->cli_json({"--ca", (prod->certs() / "ca.crt").string(), "--cert", (prod->certs() / "bob.crt").string(),
                            "--key", (prod->certs() / "bob.key").string(), "firmware", "list"},
                           60s);
    ASSERT_TRUE(listed) << listed.error().str();
    const cJSON* fw = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(listed->get(), "firmware"), 0);
    ASSERT_NE(fw, nullptr);
    const std::string fw_id = json::get_optional_string(fw, "fw_id").value_or("");
    ASSERT_EQ(as("bob", {"firmware", "delete", fw_id}).exit_code, 0);

    // A device's certificate: no request gets through, under its own identity or an operator's.
    Observer watcher(prod->as("gw1", "gw1-watch"));
    watcher.subscribe(*topics::dev_event_filter("gw1"));
    Observer device(prod->as("A123-000001", "A123-000001"));
    const std::string forged =
        R"({"type":"request","req_id":"r-forged","op":"firmware_delete","args":{"fw":")" + fw_id + R"("}})";
    device.publish(*topics::manager_request("A123-000001", "A123-000001"), forged);
    device.publish(*topics::manager_request("alice", "A123-000001"), forged);
    device.publish(*topics::dev_event("gw1", "A123-000001"), "control");  // its own topic: allowed
    ASSERT_TRUE(watcher.wait_for(
        [&](const auto& stats) { return stats.count(*topics::dev_event("gw1", "A123-000001")) > 0; }, 20s));

    auto j = launcher->cli_json(
        {"--ca", (prod->certs() / "ca.crt").string(), "--cert", (prod->certs() / "alice.crt").string(), "--key",
         (prod->certs() / "alice.key").string(), "audit"},
        60s);
    ASSERT_TRUE(j) << j.error().str();
    auto log = audit_answer_from_json(j->get());
    ASSERT_TRUE(log) << log.error().str();
    ASSERT_EQ(log->entries.size(), steps.size() + 1) << j->dump();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& e = log->entries[i];
        EXPECT_EQ(e.identity, steps[i].who) << i;
        EXPECT_EQ(e.op, steps[i].op) << i;
        EXPECT_EQ(e.ok, steps[i].ok) << e.op << " " << e.code << " " << e.outcome;
        EXPECT_EQ(e.client.rfind("cli-", 0), 0u) << e.client;
        EXPECT_FALSE(e.args.empty());
    }
    const auto& last = log->entries.back();
    EXPECT_EQ(last.identity, "bob");
    EXPECT_EQ(last.op, "firmware_delete");
    EXPECT_TRUE(last.ok) << last.code << " " << last.outcome;
    EXPECT_NE(last.args.find(fw_id), std::string::npos);
    EXPECT_EQ(log->entries[0].outcome.find("fw " + fw_id), 0u) << log->entries[0].outcome;
    EXPECT_EQ(log->entries[3].code, "no_targets");
    // The table as an operator reads it names both.
    auto table = as("bob", {"audit", "--since", "1h"});
    EXPECT_EQ(table.exit_code, 0) << table.output;
    EXPECT_NE(table.output.find("alice"), std::string::npos);
    EXPECT_NE(table.output.find("gateway_clear_window"), std::string::npos);
}

TEST_F(Audit, AnOperatorCannotReadAnotherOperatorsAnswers) {
    // Listening means the manager's retained state says online: the CLI waits for it.
    ASSERT_EQ(as("alice", {"firmware", "list"}).exit_code, 0);
    const std::string alice_answers = *topics::manager_response("alice", "alice-cli");
    const std::string bob_answers = *topics::manager_response("bob", "bob-spy");
    auto request = [](const std::string& req_id) {
        return encode(OperatorRequest{req_id, "firmware_list", Json::object()});
    };
    auto answered = [](const Observer& o, const std::string& topic, const std::string& req_id) {
        return o.wait_for(
            [&](const auto& stats) {
                auto it = stats.find(topic);
                return it != stats.end() && it->second.last_payload.find(req_id) != std::string::npos;
            },
            30s);
    };
    // Bob, with his own certificate, listens on alice's answer topic, on any
    // operator's, and on his own (where his pings come back).
    Observer bob(prod->as("bob", "bob-spy"));
    for (const auto& filter :
         {alice_answers, std::string("fleetcast/v1/mgr/resp/alice/+"), std::string("fleetcast/v1/mgr/resp/+/+"),
          std::string("fleetcast/v1/mgr/resp/#"), bob_answers})
        bob.subscribe(filter);
    // Ping 1: the broker handles his SUBSCRIBEs before his request, so they
    // are in place (granted or refused) before alice asks anything.
    bob.publish(*topics::manager_request("bob", "bob-spy"), request("r-bob-1"));
    ASSERT_TRUE(answered(bob, bob_answers, "r-bob-1"));

    // Alice asks; she and an independent subscriber (her identity, another
    // client) see the answer published.
    Observer alice(prod->as("alice", "alice-cli"));
    alice.subscribe(alice_answers);
    Observer alice_watch(prod->as("alice", "alice-watch"));
    alice_watch.subscribe("fleetcast/v1/mgr/resp/alice/+");
    // Its subscription is in place once the answer to its own request came back.
    alice_watch.publish(*topics::manager_request("alice", "alice-watch"), request("r-watch-1"));
    ASSERT_TRUE(answered(alice_watch, *topics::manager_response("alice", "alice-watch"), "r-watch-1"));
    alice.publish(*topics::manager_request("alice", "alice-cli"), request("r-alice-1"));
    ASSERT_TRUE(answered(alice, alice_answers, "r-alice-1"));
    ASSERT_TRUE(answered(alice_watch, alice_answers, "r-alice-1"));
    auto firmware_answer = decode_operator_response(*alice.last_payload(alice_answers));
    ASSERT_TRUE(firmware_answer) << firmware_answer.error().str();
    EXPECT_TRUE(firmware_answer->ok);

    // Ping 2: the manager answers bob after alice (one connection, in order),
    // so by the time it reaches bob any copy of alice's answer would have too.
    bob.publish(*topics::manager_request("bob", "bob-spy"), request("r-bob-2"));
    ASSERT_TRUE(answered(bob, bob_answers, "r-bob-2"));
    for (const auto& [topic, stats] : bob.stats())
        EXPECT_EQ(topic, bob_answers) << "bob read " << stats.messages << " message(s) on " << topic << ": "
                                      << stats.last_payload;
    EXPECT_EQ(bob.stats().count(alice_answers), 0u);
}

}  // namespace
