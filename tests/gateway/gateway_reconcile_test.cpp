// R27 at the gateway: the digest of what it holds, the answer to a resync,
// and the report of a device event for a campaign it holds no job of.
#include "common/job_digest.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

class Reconcile : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    std::vector<DigestReport> digests() const {
        std::vector<DigestReport> out;
        for (const auto& p : transport.on_topic(*topics::gw_report(kGw)))
            if (auto r = decode_gateway_report(p.payload))
                if (auto* d = std::get_if<DigestReport>(&*r)) out.push_back(*d);
        return out;
    }
    std::vector<UnknownJobReport> unknown_jobs() const {
        std::vector<UnknownJobReport> out;
        for (const auto& p : transport.on_topic(*topics::gw_report(kGw)))
            if (auto r = decode_gateway_report(p.payload))
                if (auto* u = std::get_if<UnknownJobReport>(&*r)) out.push_back(*u);
        return out;
    }
};

TEST_F(Reconcile, DigestCountsTheJobsOfEachCampaignAndHashesTheirStates) {
    send_schedule(make_schedule("c1", clock.now() + 1h, {&main_v2}, {d1, d2}));
    transport.clear();
    gw->send_digest();
    auto ds = digests();
    ASSERT_EQ(ds.size(), 1u);
    ASSERT_EQ(ds[0].campaigns.size(), 1u);
    const auto& c = ds[0].campaigns[0];
    EXPECT_EQ(c.campaign, "c1");
    EXPECT_EQ(c.jobs, 2u);
    EXPECT_EQ(c.open, 2u);
    // The manager computes the same from its targets table (same states, any order).
    EXPECT_EQ(c.digest, job_digest({{d2, JobState::Waiting}, {d1, JobState::Waiting}}));
    EXPECT_EQ(ds[0].at, clock.now());
}

TEST_F(Reconcile, DigestIsSentEveryIntervalAndWhenTheManagerComesOnline) {
    gw->send_digest();
    transport.clear();
    advance(59s);
    EXPECT_TRUE(digests().empty());
    advance(1s);
    EXPECT_EQ(digests().size(), 1u);

    transport.clear();
    ProcessState mgr{"manager", "manager", true, clock.now(), {}};
    deliver(topics::manager_state(), encode(mgr), true);
    EXPECT_EQ(digests().size(), 1u);
    deliver(topics::manager_state(), encode(mgr), true);
    EXPECT_EQ(digests().size(), 1u) << "an online state repeated is not a manager coming online";
}

TEST_F(Reconcile, DevicesReportedAgainAfterARestartNameTheirGateway) {
    device_state(d1, "A123", {{"main", "1.0"}});
    restart();
    transport.clear();
    deliver(topics::manager_state(), encode(ProcessState{"manager", "manager", true, clock.now(), {}}), true);
    std::vector<DeviceSeenReport> seen;
    for (const auto& p : transport.on_topic(*topics::gw_report(kGw)))
        if (auto r = decode_gateway_report(p.payload))
            if (auto* d = std::get_if<DeviceSeenReport>(&*r)) seen.push_back(*d);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].state.device, d1);
    EXPECT_EQ(seen[0].state.gateway, kGw) << "a device loaded from gateway.db lost its gateway id";
}

TEST_F(Reconcile, ResyncIsAnsweredWithAJobReportForEveryJobOfTheCampaign) {
    send_schedule(make_schedule("c1", clock.now() + 1h, {&main_v2}, {d1, d2}));
    send_schedule(make_schedule("c2", clock.now() + 1h, {&main_v2}, {"A123-000003"}));
    transport.clear();
    deliver(*topics::gw_cmd(kGw), encode(GwResyncCmd{"c1", "resync-1"}));
    auto reports = job_reports();
    ASSERT_EQ(reports.size(), 2u);
    std::set<std::string> devices;
    for (const auto& r : reports) {
        EXPECT_EQ(r.campaign, "c1");
        EXPECT_EQ(r.state, JobState::Waiting);
        devices.insert(r.device);
    }
    EXPECT_EQ(devices, (std::set<std::string>{d1, d2}));
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(Reconcile, ResyncOfACampaignNotHeldAnswersWithADigest) {
    transport.clear();
    deliver(*topics::gw_cmd(kGw), encode(GwResyncCmd{"c9", "resync-2"}));
    EXPECT_TRUE(job_reports().empty());
    ASSERT_EQ(digests().size(), 1u);
    EXPECT_TRUE(digests()[0].campaigns.empty());
}

TEST_F(Reconcile, EventOfAnUnknownCampaignIsBadInputAndReportedOncePerDigest) {
    gw->send_digest();
    transport.clear();
    device_event(d1, encode(ReadyEvent{"c7", {main_v2.manifest.fw_id}}));
    device_event(d1, encode(ProgressEvent{"c7", "receiving", 10}));
    EXPECT_EQ(counter("bad_input"), 2u);
    auto u = unknown_jobs();
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].campaign, "c7");
    EXPECT_EQ(u[0].device, d1);
    EXPECT_EQ(u[0].event, "ready");
    advance(60s);  // the next digest
    device_event(d2, encode(ProgressEvent{"c7", "receiving", 20}));
    ASSERT_EQ(unknown_jobs().size(), 2u);
    EXPECT_EQ(unknown_jobs()[1].event, "progress");
}

}  // namespace
}  // namespace fleetcast::gateway::testing
