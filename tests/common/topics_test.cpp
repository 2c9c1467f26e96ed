#include "common/topics.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/recording_transport.hpp"

using namespace fleetcast;

TEST(Topics, BuildersAndParserAgree) {
    auto t = topics::parse_topic(*topics::site_model_chunk("gw1", "A123", "0123456789abcdef"));
    ASSERT_TRUE(t) << t.error().str();
    EXPECT_EQ(t->kind, topics::Kind::SiteModelChunk);
    EXPECT_EQ(t->gateway, "gw1");
    EXPECT_EQ(t->model, "A123");
    EXPECT_EQ(t->fw_id, "0123456789abcdef");

    auto d = topics::parse_topic(*topics::dev_chunk("gw1", "A123-000001", "ffee"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, topics::Kind::DevChunk);
    EXPECT_EQ(d->device, "A123-000001");
    EXPECT_EQ(d->fw_id, "ffee");

    auto done = topics::parse_topic(*topics::dev_fanout_done("gw1", "A123-000001", "ffee"));
    ASSERT_TRUE(done);
    EXPECT_EQ(done->kind, topics::Kind::DevFanoutDone);
    EXPECT_EQ(done->device, "A123-000001");
    EXPECT_EQ(done->fw_id, "ffee");
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/site/gw1/dev/A123-000001/fw/ffee/over"));

    auto s = topics::parse_topic(*topics::gw_schedule("gw1", "c-1"));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->kind, topics::Kind::GwSchedule);
    EXPECT_EQ(s->campaign, "c-1");

    const Expected<std::string> all[] = {topics::manager_state(),
                                         topics::manager_request("alice", "cli-1"),
                                         topics::manager_response("alice", "cli-1"),
                                         topics::fw_manifest("ab"),
                                         topics::gw_state("g"),
                                         topics::gw_fetch("g"),
                                         topics::gw_report("g"),
                                         topics::gw_cmd("g"),
                                         topics::gw_chunk("g", "ab"),
                                         topics::dev_cmd("g", "d"),
                                         topics::dev_event("g", "d"),
                                         topics::dev_state("g", "d")};
    for (const auto& topic : all) {
        ASSERT_TRUE(topic) << topic.error().str();
        EXPECT_TRUE(topics::parse_topic(*topic)) << *topic;
    }
}

TEST(Topics, FiltersUseSingleLevelWildcards) {
    EXPECT_EQ(topics::gw_fetch_filter(), "fleetcast/v1/gw/+/fetch");
    EXPECT_EQ(*topics::dev_event_filter("gw1"), "fleetcast/v1/site/gw1/dev/+/event");
}

namespace {
// Ids a topic must never carry: wildcards, a level separator, empty, too long, NUL.
const std::vector<std::string> kBadIds = {"A+1", "#", "a/b", "", std::string(65, 'x'), std::string("A1\0x", 4)};

// What a bad id shows as in an error message (validate_id prints '?' for NUL).
std::string shown(const std::string& id) {
    std::string out;
    for (char c : id) out += c == '\0' ? '?' : c;
    return out;
}

void expect_refused(const std::function<Expected<std::string>()>& build, const std::string& bad,
                    const std::string& what, const std::string& topic_shape) {
    std::optional<Expected<std::string>> topic;
    EXPECT_NO_THROW(topic = build());
    ASSERT_TRUE(topic);
    ASSERT_FALSE(*topic) << "made " << **topic;
    const auto& e = topic->error();
    EXPECT_EQ(e.code, "bad_id");
    EXPECT_NE(e.message.find(what + " id"), std::string::npos) << e.message;
    if (!bad.empty()) EXPECT_NE(e.message.find("'" + shown(bad) + "'"), std::string::npos) << e.message;
    else EXPECT_NE(e.message.find("empty"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("topic fleetcast/v1/" + topic_shape), std::string::npos) << e.message;
}
}  // namespace

TEST(Topics, BuilderReturnsAnErrorNamingTheBadIdNeverThrows) {
    for (const auto& bad : kBadIds) {
        SCOPED_TRACE("id '" + shown(bad) + "'");
        expect_refused([&] { return topics::dev_cmd("gw1", bad); }, bad, "device", "site/gw1/dev/{device}/cmd");
        expect_refused([&] { return topics::dev_cmd(bad, "A123-000001"); }, bad, "gateway",
                       "site/{gateway}/dev/A123-000001/cmd");
        expect_refused([&] { return topics::gw_state(bad); }, bad, "gateway", "gw/{gateway}/state");
        expect_refused([&] { return topics::gw_schedule("gw1", bad); }, bad, "campaign", "gw/gw1/schedule/{campaign}");
        expect_refused([&] { return topics::manager_response("alice", bad); }, bad, "client",
                       "mgr/resp/alice/{client}");
        expect_refused([&] { return topics::manager_response(bad, "cli-1"); }, bad, "identity",
                       "mgr/resp/{identity}/cli-1");
        expect_refused([&] { return topics::fw_manifest(bad); }, bad, "firmware", "fw/{firmware}/manifest");
        expect_refused([&] { return topics::site_model_chunk("gw1", bad, "ab"); }, bad, "model",
                       "site/gw1/model/{model}/fw/ab/chunk");
        expect_refused([&] { return topics::dev_chunk("gw1", "d1", bad); }, bad, "firmware",
                       "site/gw1/dev/d1/fw/{firmware}/chunk");
        expect_refused([&] { return topics::dev_event_filter(bad); }, bad, "gateway", "site/{gateway}/dev/+/event");
    }
}

TEST(Topics, EveryIdOfEveryBuilderIsChecked) {
    const std::string b = "a+b";
    const std::vector<std::function<Expected<std::string>()>> builders = {
        [&] { return topics::manager_request(b, "c"); },
        [&] { return topics::manager_request("alice", b); },
        [&] { return topics::manager_response(b, "c"); },
        [&] { return topics::manager_response("alice", b); },
        [&] { return topics::fw_manifest(b); },
        [&] { return topics::gw_state(b); },
        [&] { return topics::gw_schedule(b, "c"); },
        [&] { return topics::gw_schedule("g", b); },
        [&] { return topics::gw_schedule_filter(b); },
        [&] { return topics::gw_fetch(b); },
        [&] { return topics::gw_chunk(b, "f"); },
        [&] { return topics::gw_chunk("g", b); },
        [&] { return topics::gw_chunk_filter(b); },
        [&] { return topics::gw_report(b); },
        [&] { return topics::gw_cmd(b); },
        [&] { return topics::gw_probe(b); },
        [&] { return topics::gw_probe_data(b); },
        [&] { return topics::bridge_state(b); },
        [&] { return topics::site_model_chunk(b, "m", "f"); },
        [&] { return topics::site_model_chunk("g", b, "f"); },
        [&] { return topics::site_model_chunk("g", "m", b); },
        [&] { return topics::dev_cmd(b, "d"); },
        [&] { return topics::dev_cmd("g", b); },
        [&] { return topics::dev_chunk(b, "d", "f"); },
        [&] { return topics::dev_chunk("g", b, "f"); },
        [&] { return topics::dev_chunk("g", "d", b); },
        [&] { return topics::dev_chunk_filter(b, "d"); },
        [&] { return topics::dev_chunk_filter("g", b); },
        [&] { return topics::dev_fanout_done(b, "d", "f"); },
        [&] { return topics::dev_fanout_done("g", b, "f"); },
        [&] { return topics::dev_fanout_done("g", "d", b); },
        [&] { return topics::dev_fanout_done_filter(b, "d"); },
        [&] { return topics::dev_fanout_done_filter("g", b); },
        [&] { return topics::dev_event(b, "d"); },
        [&] { return topics::dev_event("g", b); },
        [&] { return topics::dev_event_filter(b); },
        [&] { return topics::dev_state(b, "d"); },
        [&] { return topics::dev_state("g", b); },
        [&] { return topics::dev_state_filter(b); },
        [&] { return topics::dev_probe(b, "d"); },
        [&] { return topics::dev_probe("g", b); },
        [&] { return topics::dev_probe_ack(b, "d"); },
        [&] { return topics::dev_probe_ack("g", b); },
        [&] { return topics::dev_probe_ack_filter(b); },
    };
    for (std::size_t i = 0; i < builders.size(); ++i) {
        std::optional<Expected<std::string>> t;
        EXPECT_NO_THROW(t = builders[i]()) << "builder #" << i;
        ASSERT_TRUE(t);
        ASSERT_FALSE(*t) << "builder #" << i << " made " << **t;
        EXPECT_NE(t->error().message.find("'a+b'"), std::string::npos) << t->error().message;
    }
}

TEST(Topics, EveryBadIdIsShownAsItsPlaceholder) {
    auto t = topics::dev_chunk("g+", "d1", "f#");
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("topic fleetcast/v1/site/{gateway}/dev/d1/fw/{firmware}/chunk"), std::string::npos)
        << t.error().message;
    EXPECT_NE(t.error().message.find("'g+'"), std::string::npos) << "the first bad id is named: " << t.error().message;
}

TEST(Topics, TransportRefusesATopicItsIdsCannotMake) {
    fleetcast::testing::RecordingTransport transport;
    auto st = transport.publish(topics::dev_cmd("gw1", "A+1"), "{}", false);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, "bad_id");
    EXPECT_NE(st.error().message.find("'A+1'"), std::string::npos) << st.error().message;
    EXPECT_TRUE(transport.published.empty()) << "nothing is sent";

    Transport& as_interface = transport;
    st = as_interface.subscribe(topics::dev_event_filter("#"));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, "bad_id");
    st = as_interface.unsubscribe(topics::dev_event_filter("a/b"));
    ASSERT_FALSE(st);
    EXPECT_TRUE(transport.subscriptions.empty());

    // A good topic goes through the same overloads.
    EXPECT_TRUE(as_interface.publish(topics::dev_cmd("gw1", "A123-000001"), "{}"));
    EXPECT_TRUE(transport.subscribe(topics::dev_event_filter("gw1")));
    ASSERT_EQ(transport.published.size(), 1u);
    EXPECT_EQ(transport.published[0].topic, "fleetcast/v1/site/gw1/dev/A123-000001/cmd");
    EXPECT_EQ(transport.subscriptions.count("fleetcast/v1/site/gw1/dev/+/event"), 1u);
}

TEST(Topics, ParserRejectsForeignAndMalformedTopics) {
    EXPECT_FALSE(topics::parse_topic("other/v1/gw/x/state"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/gw/x/unknown"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/site/gw1/dev//event"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/gw/a b/state"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1"));
    EXPECT_FALSE(topics::parse_topic(std::string(600, 'a')));
}

TEST(Topics, ProbeTopicsParse) {
    auto p = topics::parse_topic(*topics::gw_probe_data("gw1"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, topics::Kind::GwProbeData);
    p = topics::parse_topic(*topics::dev_probe_ack("gw1", "A123-000001"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, topics::Kind::DevProbeAck);
    EXPECT_EQ(p->device, "A123-000001");
    EXPECT_EQ(topics::parse_topic(*topics::gw_probe("gw1"))->kind, topics::Kind::GwProbe);
    EXPECT_EQ(topics::parse_topic(*topics::dev_probe("gw1", "A123-000001"))->kind, topics::Kind::DevProbe);
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/site/gw1/dev/A123-000001/probe/nack"));
}

TEST(Topics, ARequestTopicCarriesTheOperatorsIdentityAndClient) {
    auto t = topics::manager_request("alice", "cli-42-ab");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, "fleetcast/v1/mgr/req/alice/cli-42-ab");
    auto p = topics::parse_topic(*t);
    ASSERT_TRUE(p) << p.error().str();
    EXPECT_EQ(p->kind, topics::Kind::ManagerRequest);
    EXPECT_EQ(p->identity, "alice");
    EXPECT_EQ(p->client, "cli-42-ab");
    EXPECT_EQ(topics::manager_request_filter(), "fleetcast/v1/mgr/req/+/+");
    // The topic without an identity (before issue 19 item 3) is no request any more.
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/mgr/req/cli-42-ab"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/mgr/req/al+ce/cli-42-ab"));
}

TEST(Topics, AnAnswerGoesUnderTheIdentityAndClientOfItsRequest) {
    auto t = topics::manager_response("alice", "cli-42-ab");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, "fleetcast/v1/mgr/resp/alice/cli-42-ab");
    auto p = topics::parse_topic(*t);
    ASSERT_TRUE(p) << p.error().str();
    EXPECT_EQ(p->kind, topics::Kind::ManagerResponse);
    EXPECT_EQ(p->identity, "alice");
    EXPECT_EQ(p->client, "cli-42-ab");
    // The topic without an identity (before it, every operator could read every answer) is none any more.
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/mgr/resp/cli-42-ab"));
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/mgr/resp/alice/cli+42"));
}
