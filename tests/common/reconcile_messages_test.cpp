// R27 messages: digest and unknown_job reports, the resync command, and the
// job digest both sides compute.
#include <gtest/gtest.h>

#include "common/job_digest.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"

namespace fleetcast {
namespace {

TEST(JobDigest, IsTheSha256PrefixOfTheSortedDeviceStateLines) {
    auto d = job_digest({{"dev-b", JobState::Completed}, {"dev-a", JobState::Transferring}});
    EXPECT_EQ(d, to_hex(sha256("dev-a transferring\ndev-b completed\n")).substr(0, 16));
    EXPECT_EQ(d.size(), 16u);
}

TEST(JobDigest, DoesNotDependOnRowOrderButOnEveryState) {
    std::vector<JobStateRow> a{{"d1", JobState::Waiting}, {"d2", JobState::Failed}, {"d3", JobState::Canceled}};
    std::vector<JobStateRow> b{{"d3", JobState::Canceled}, {"d1", JobState::Waiting}, {"d2", JobState::Failed}};
    EXPECT_EQ(job_digest(a), job_digest(b));
    b[0].second = JobState::Expired;
    EXPECT_NE(job_digest(a), job_digest(b));
    EXPECT_NE(job_digest({}), job_digest(a));
}

TEST(ReconcileMessages, DigestReportRoundTrips) {
    DigestReport r;
    r.at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795642200123));
    r.campaigns = {{"c1", 20, 3, "0123456789abcdef"}, {"c2", 0, 0, job_digest({})}};
    auto back = decode_gateway_report(encode(r));
    ASSERT_TRUE(back) << back.error().str();
    auto* d = std::get_if<DigestReport>(&*back);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->at, r.at);
    EXPECT_EQ(d->campaigns, r.campaigns);
}

TEST(ReconcileMessages, DigestReportWithBadFieldsIsRefused) {
    const std::string head = R"({"type":"digest","at":"2026-11-25T21:30:00.000Z","campaigns":[)";
    for (
        const std::string entry : {
            R"({"campaign":"c1","jobs":2,"open":3,"digest":"0123456789abcdef"})",   // open > jobs
            R"({"campaign":"c1","jobs":2,"open":1,"digest":"0123456789ABCDEF"})",   // upper case
            R"({"campaign":"c1","jobs":2,"open":1,"digest":"0123"})",               // short
            R"({"campaign":"c/1","jobs":2,"open":1,"digest":"0123456789abcdef"})",  // bad id
            R"({"campaign":"c1","jobs":-1,"open":0,"digest":"0123456789abcdef"})",
            R"({"campaign":"c1","jobs":1,"open":0,"digest":"0123456789abcdef"},{"campaign":"c1","jobs":1,"open":0,"digest":"0123456789abcdef"})",
            R"("c1")",
        }) {
        EXPECT_FALSE(decode_gateway_report(head + entry + "]}")) << entry;
    }
    EXPECT_FALSE(decode_gateway_report(R"({"type":"digest","campaigns":[]})")) << "no time";
    EXPECT_TRUE(decode_gateway_report(head + "]}"));
}

TEST(ReconcileMessages, UnknownJobReportRoundTripsAndValidatesIds) {
    UnknownJobReport r{"c1", "A123-000001", "ready"};
    auto back = decode_gateway_report(encode(r));
    ASSERT_TRUE(back) << back.error().str();
    auto* u = std::get_if<UnknownJobReport>(&*back);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->campaign, "c1");
    EXPECT_EQ(u->device, "A123-000001");
    EXPECT_EQ(u->event, "ready");
    EXPECT_FALSE(decode_gateway_report(R"({"type":"unknown_job","campaign":"c1","device":"+","event":"ready"})"));
    EXPECT_FALSE(decode_gateway_report(R"({"type":"unknown_job","campaign":"c1","device":"d1"})"));
}

TEST(ReconcileMessages, ResyncCommandRoundTripsWithoutADevice) {
    auto back = decode_gateway_command(encode(GwResyncCmd{"c1", "resync-1-5"}));
    ASSERT_TRUE(back) << back.error().str();
    auto* c = std::get_if<GwResyncCmd>(&*back);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->campaign, "c1");
    EXPECT_EQ(c->request_id, "resync-1-5");
    EXPECT_FALSE(decode_gateway_command(R"({"type":"resync","request_id":"r1"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"resync","campaign":"c#","request_id":"r1"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"resync","campaign":"c1"})"));
}

}  // namespace
}  // namespace fleetcast
