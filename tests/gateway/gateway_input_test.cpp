// Bad input is logged, counted and ignored; it never crashes the gateway or
// changes stored state (R25).
#include "common/chunk_codec.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using Input = GatewayTest;

TEST_F(Input, MalformedMessagesAreCountedAndIgnored) {
    const std::string d1 = "A123-000001";
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    auto jobs_before = stored_jobs();
    const auto event_topic = *topics::dev_event(kGw, d1);
    const std::string root = "fleetcast/v1/";

    std::vector<std::pair<std::string, std::string>> bad = {
        {event_topic, "{not json"},
        {event_topic, R"({"type":"progress","campaign":"c1","phase":"receiving","percent":"fifty"})"},
        {event_topic, R"({"type":"progress","campaign":"c1","phase":"receiving","percent":140})"},
        {event_topic, R"({"type":"self_destruct","campaign":"c1"})"},
        {event_topic, R"({"type":"ready","campaign":"c+1","fw_ids":["x"]})"},
        {event_topic, R"({"type":"need","campaign":"c1","fw_id":"#","ranges":[[0,1]]})"},
        {event_topic, R"([1,2,3])"},
        {event_topic, ""},
        {event_topic, std::string(70 * 1024 * 1024, '{')},  // oversized
        {root + "site/gw1/dev/+/event", encode(ProgressEvent{"c1", "receiving", 10})},
        {root + "site/gw1/dev/a b/event", encode(ProgressEvent{"c1", "receiving", 10})},
        {root + "site/gw2/dev/A123-000001/event", encode(ProgressEvent{"c1", "receiving", 10})},
        {root + "gw/gw1/nonsense", "{}"},
        {*topics::gw_schedule(kGw, "c1"), R"({"type":"schedule","campaign":"c1"})"},
        {*topics::gw_schedule(kGw, "c2"), encode(make_schedule("c1", clock.now(), {&main_v2}, {d1}))},
        {*topics::dev_state(kGw, d1),
         R"({"type":"device_state","device":"A123-000002","gateway":"gw1","model":"A123","status":"idle","firmware":{},"at":"2026-11-25T21:00:00.000Z"})"},
        {*topics::dev_state(kGw, d1),
         R"({"type":"device_state","device":"A123-000001","gateway":"gw1","model":"A123","status":"sleeping"})"},
        {*topics::gw_chunk(kGw, "0123456789abcdef"), main_v2.chunk(0)},  // firmware nobody scheduled
    };
    for (const auto& [topic, payload] : bad) deliver(topic, payload);
    EXPECT_EQ(counter("bad_input"), bad.size());

    const auto chunk_topic = *topics::gw_chunk(kGw, main_v2.manifest.fw_id);
    deliver(chunk_topic, main_v2.chunk(0).substr(0, 20));               // shorter than a header
    deliver(chunk_topic, main_v2.chunk(0) + "tail");                    // longer than it says
    deliver(chunk_topic, encode_chunk(0, 10, std::string(2048, 'x')));  // larger than chunk_size
    deliver(chunk_topic, encode_chunk(0, 10, std::string(1000, 'x')));  // wrong length for chunk 0
    EXPECT_EQ(counter("bad_chunk"), 4u);

    // Nothing stored changed; the gateway still works.
    auto jobs_after = stored_jobs();
    ASSERT_EQ(jobs_after.size(), jobs_before.size());
    EXPECT_EQ(jobs_after[0].state, jobs_before[0].state);
    EXPECT_EQ(jobs_after[0].progress, jobs_before[0].progress);
    EXPECT_EQ(store->load_devices()->size(), 0u);
    send_all_chunks(main_v2);
    EXPECT_EQ(cache_reports().back().state, "cached");

    // The counters reach the retained state, at most once a second.
    transport.clear();
    advance(Millis(1000));
    auto states = transport.on_topic(*topics::gw_state(kGw));
    ASSERT_EQ(states.size(), 1u);
    EXPECT_TRUE(states[0].retained);
    auto st = decode_process_state(states[0].payload);
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->online);
    EXPECT_EQ(st->counters.at("bad_input"), bad.size());
    EXPECT_EQ(st->counters.at("bad_chunk"), 4u);
    advance(Millis(1000));
    EXPECT_EQ(transport.on_topic(*topics::gw_state(kGw)).size(), 1u) << "unchanged counters are not republished";
}

TEST_F(Input, StartSubscribesAndPublishesRetainedOnlineState) {
    for (const auto& f : {*topics::gw_schedule_filter(kGw), *topics::gw_chunk_filter(kGw),
                          *topics::dev_event_filter(kGw), *topics::dev_state_filter(kGw), *topics::gw_cmd(kGw)})
        EXPECT_TRUE(transport.subscriptions.count(f)) << f;
    auto states = transport.on_topic(*topics::gw_state(kGw));
    ASSERT_EQ(states.size(), 1u);
    EXPECT_TRUE(states[0].retained);
    auto st = decode_process_state(states[0].payload);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->role, "gateway");
    EXPECT_EQ(st->id, kGw);
    EXPECT_TRUE(st->online);
}

// Ids are validated on receipt, but a job read back from the store is not: a
// device id that makes no topic (an older gateway's row, a hand-edited
// database) is counted as bad_topic, nothing is sent for it, and the other
// devices of the campaign are served as before.
TEST_F(Input, StoredJobWhoseIdMakesNoTopicIsCountedAndTheOthersGoOn) {
    const std::string d1 = "A123-000001";
    const std::string bad = "A123+000009";
    send_schedule(make_schedule("c1", clock.now() + Millis(10000), {&main_v2}, {d1}));
    JobRow row = stored_job(d1);
    ASSERT_EQ(row.device, d1);
    row.device = bad;
    ASSERT_TRUE(store->save_job(row));
    restart();
    send_all_chunks(main_v2);
    EXPECT_EQ(counter("bad_topic"), 0u);

    advance(Millis(10000));
    EXPECT_EQ(count_commands<OfferCmd>(d1), 1) << "the good device is offered its update";
    EXPECT_GE(counter("bad_topic"), 1u) << "the offer to " << bad << " is counted";
    for (const auto& p : transport.published) EXPECT_EQ(p.topic.find(bad), std::string::npos) << "sent on " << p.topic;

    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    EXPECT_EQ(stored_job(d1).state, JobState::Transferring) << "the gateway goes on";
    advance(Millis(60000));  // the bad job's answer times out: its postpone is refused too
    EXPECT_GE(counter("bad_topic"), 2u);
    EXPECT_EQ(stored_job(d1).state, JobState::Transferring);
    EXPECT_FALSE(chunk_indexes(*topics::site_model_chunk(kGw, "A123", main_v2.manifest.fw_id)).empty())
        << "the fan-out to the good device was sent";
}

}  // namespace
}  // namespace fleetcast::gateway::testing
