#include <gtest/gtest.h>

#include <stdexcept>

#include "common/topics.hpp"

using namespace fleetcast;

TEST(Topics, BuildersAndParserAgree) {
    auto t = topics::parse_topic(topics::site_model_chunk("gw1", "A123", "0123456789abcdef"));
    ASSERT_TRUE(t) << t.error().str();
    EXPECT_EQ(t->kind, topics::Kind::SiteModelChunk);
    EXPECT_EQ(t->gateway, "gw1");
    EXPECT_EQ(t->model, "A123");
    EXPECT_EQ(t->fw_id, "0123456789abcdef");

    auto d = topics::parse_topic(topics::dev_chunk("gw1", "A123-000001", "ffee"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, topics::Kind::DevChunk);
    EXPECT_EQ(d->device, "A123-000001");
    EXPECT_EQ(d->fw_id, "ffee");

    auto done = topics::parse_topic(topics::dev_fanout_done("gw1", "A123-000001", "ffee"));
    ASSERT_TRUE(done);
    EXPECT_EQ(done->kind, topics::Kind::DevFanoutDone);
    EXPECT_EQ(done->device, "A123-000001");
    EXPECT_EQ(done->fw_id, "ffee");
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/site/gw1/dev/A123-000001/fw/ffee/over"));

    auto s = topics::parse_topic(topics::gw_schedule("gw1", "c-1"));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->kind, topics::Kind::GwSchedule);
    EXPECT_EQ(s->campaign, "c-1");

    for (auto topic : {topics::manager_state(), topics::manager_request("cli-1"), topics::fw_manifest("ab"),
                       topics::gw_state("g"), topics::gw_fetch("g"), topics::gw_report("g"), topics::gw_cmd("g"),
                       topics::gw_chunk("g", "ab"), topics::dev_cmd("g", "d"), topics::dev_event("g", "d"),
                       topics::dev_state("g", "d")}) {
        EXPECT_TRUE(topics::parse_topic(topic)) << topic;
    }
}

TEST(Topics, FiltersUseSingleLevelWildcards) {
    EXPECT_EQ(topics::gw_fetch_filter(), "fleetcast/v1/gw/+/fetch");
    EXPECT_EQ(topics::dev_event_filter("gw1"), "fleetcast/v1/site/gw1/dev/+/event");
}

TEST(Topics, BuilderRefusesWildcardIds) {
    EXPECT_THROW(topics::dev_cmd("gw1", "A+1"), std::invalid_argument);
    EXPECT_THROW(topics::gw_state("#"), std::invalid_argument);
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
    auto p = topics::parse_topic(topics::gw_probe_data("gw1"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, topics::Kind::GwProbeData);
    p = topics::parse_topic(topics::dev_probe_ack("gw1", "A123-000001"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, topics::Kind::DevProbeAck);
    EXPECT_EQ(p->device, "A123-000001");
    EXPECT_EQ(topics::parse_topic(topics::gw_probe("gw1"))->kind, topics::Kind::GwProbe);
    EXPECT_EQ(topics::parse_topic(topics::dev_probe("gw1", "A123-000001"))->kind, topics::Kind::DevProbe);
    EXPECT_FALSE(topics::parse_topic("fleetcast/v1/site/gw1/dev/A123-000001/probe/nack"));
}
