// What a fleet throws at a gateway outside the happy path (issue 13, R27):
// stray schedule clears, corrupted cache files, slow answers from large sites,
// devices that resume a partial image after a restart.
#include <fstream>
#include <numeric>

#include "common/chunk_codec.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

class Robustness : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    const std::string d3 = "A123-000003";
    std::string fw() const { return main_v2.manifest.fw_id; }
    std::string model_topic() const { return *topics::site_model_chunk(kGw, "A123", fw()); }
    std::string ready(std::map<std::string, std::vector<ChunkRange>> missing = {}) const {
        return encode(ReadyEvent{"c1", {fw()}, std::nullopt, std::move(missing)});
    }
    std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t last) const {
        std::vector<std::uint32_t> v(last - first + 1);
        std::iota(v.begin(), v.end(), first);
        return v;
    }
    std::filesystem::path cache_file() const { return dir / "cache" / (fw() + ".img"); }
    void flip_bytes(std::uint32_t chunk) const {
        std::fstream f(cache_file(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(chunk) * main_v2.manifest.chunk_size + 100);
        std::string junk(16, '\xAA');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    JobState state_of(const std::string& device) const { return stored_job(device).state; }
    void payloads_match_image(const std::string& topic) const {
        for (const auto& p : transport.on_topic(topic)) {
            auto c = decode_chunk(p.payload, kMaxChunkSize);
            ASSERT_TRUE(c);
            EXPECT_EQ(c->payload, std::string_view(main_v2.bytes).substr(c->index * 1024, 1024))
                << "chunk " << c->index;
        }
    }
};

TEST_F(Robustness, EmptyScheduleWhileJobsAreOpenIsRefusedAndTheCampaignGoesOn) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    ASSERT_EQ(state_of(d1), JobState::Requesting);

    deliver(*topics::gw_schedule(kGw, "c1"), "", true);  // a stray (or hostile) clear
    EXPECT_EQ(counter("schedule_clear_refused"), 1u);
    EXPECT_EQ(state_of(d1), JobState::Requesting) << "the job is kept";
    auto stored = store->load_schedules();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->size(), 1u) << "the schedule is kept";

    device_event(d1, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), range(0, main_v2.manifest.chunk_count - 1)) << "the campaign goes on";
    EXPECT_EQ(state_of(d1), JobState::Transferring);
}

TEST_F(Robustness, ScheduleClearAfterEveryJobEndedForgetsTheCampaign) {
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
    s.expires_at = clock.now() + std::chrono::minutes(5);
    send_schedule(s);
    advance(std::chrono::minutes(6));
    ASSERT_EQ(state_of(d1), JobState::Expired);

    deliver(*topics::gw_schedule(kGw, "c1"), "", true);  // the manager's clear after the campaign ended here
    EXPECT_EQ(counter("schedule_clear_refused"), 0u);
    auto stored = store->load_schedules();
    ASSERT_TRUE(stored);
    EXPECT_TRUE(stored->empty());
}

TEST_F(Robustness, CorruptCachedChunkIsNeverSentAndOnlyThatChunkIsFetchedAgain) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    flip_bytes(4);
    transport.clear();

    device_event(d1, ready());
    device_event(d2, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), range(0, 3)) << "holds at the corrupt chunk";
    EXPECT_EQ(counter("cache_chunk_corrupt"), 1u);
    EXPECT_EQ(fetched_indexes(), std::vector<std::uint32_t>{4}) << "only that chunk is asked again";

    // Repair requests for it wait too: no device is sent the bad bytes.
    device_event(d1, encode(NeedEvent{"c1", fw(), {{4, 4}}}));
    EXPECT_TRUE(transport.on_topic(*topics::dev_chunk(kGw, d1, fw())).empty());

    send_chunk(main_v2, 4);  // the manager's copy
    EXPECT_EQ(chunk_indexes(model_topic()), range(0, main_v2.manifest.chunk_count - 1));
    EXPECT_EQ(chunk_indexes(*topics::dev_chunk(kGw, d1, fw())), std::vector<std::uint32_t>{4});
    payloads_match_image(model_topic());
    payloads_match_image(*topics::dev_chunk(kGw, d1, fw()));
    auto file_hash = sha256_file(cache_file());
    ASSERT_TRUE(file_hash);
    EXPECT_EQ(to_hex(*file_hash), main_v2.manifest.sha256) << "the cache file is repaired in place";
}

TEST_F(Robustness, CorruptCacheIsStillCaughtAfterARestart) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    flip_bytes(9);
    restart();
    transport.clear();
    gw->tick();
    device_event(d1, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), range(0, 8));
    EXPECT_EQ(fetched_indexes(), std::vector<std::uint32_t>{9});
    send_chunk(main_v2, 9);
    EXPECT_EQ(chunk_indexes(model_topic()), range(0, 9));
    payloads_match_image(model_topic());
}

TEST_F(Robustness, UnansweredRefetchIsAskedAgain) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    flip_bytes(2);
    transport.clear();
    device_event(d1, ready());
    ASSERT_EQ(fetched_indexes(), std::vector<std::uint32_t>{2});
    advance(config().fetch_retry);
    EXPECT_EQ(fetched_indexes(), (std::vector<std::uint32_t>{2, 2}));
}

TEST_F(Robustness, AnswerDeadlineCountsFromTheSitesLatestAnswer) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    const Millis timeout = config().answer_timeout;
    advance(timeout - Millis(1000));
    device_event(d1, ready());  // the site is answering: d2 is likely queued behind
    advance(timeout - Millis(1000));
    EXPECT_EQ(state_of(d2), JobState::Requesting) << "past its own deadline, but answers still came";
    device_event(d2, ready());  // late, but its offer is still open: taken
    EXPECT_EQ(state_of(d2), JobState::Transferring);
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(Robustness, SilentDeviceIsNoResponseOnceTheSiteWentQuiet) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    const Millis timeout = config().answer_timeout;
    advance(Millis(1000));
    device_event(d1, ready());
    advance(timeout - Millis(500));
    EXPECT_EQ(state_of(d2), JobState::Requesting);
    advance(Millis(1000));
    EXPECT_EQ(state_of(d2), JobState::Waiting);
    EXPECT_NE(stored_job(d2).comment.find("no response"), std::string::npos) << stored_job(d2).comment;
}

TEST_F(Robustness, FanoutWaitsWhileReadyAnswersKeepComing) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2, d3}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    advance(Millis(2000));
    device_event(d2, ready());
    advance(Millis(2000));  // 4 s since the first answer, 2 s since the last
    EXPECT_TRUE(transport.on_topic(model_topic()).empty()) << "answers are still coming";
    advance(Millis(1100));  // quiet for the ready timeout
    EXPECT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);
}

TEST_F(Robustness, FanoutStartsAtTheLatestAfterTheMaximumWait) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2, d3}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    // A trickle of offers and answers that never leaves the plan quiet.
    for (Millis waited{0}; waited < config().ready_max_wait - Millis(2000); waited += Millis(2000)) {
        advance(Millis(2000));
        device_event(d2, ready());
    }
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());
    advance(Millis(2000));
    EXPECT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);
}

TEST_F(Robustness, RestartedGatewayFansOutOnlyWhatTheResumedDevicesLack) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    device_event(d2, ready());
    restart();  // e.g. kill -9 mid fan-out
    transport.clear();
    gw->tick();
    ASSERT_EQ(count_commands<OfferCmd>(d1), 1);
    device_event(d1, ready({{fw(), {{6, 9}}}}));
    device_event(d2, ready({{fw(), {{5, 7}}}}));
    EXPECT_EQ(chunk_indexes(model_topic()), range(5, 9)) << "the union of what they lack, once";
    payloads_match_image(model_topic());
    EXPECT_EQ(count_commands<FanoutDoneCmd>(d1), 1);
    EXPECT_EQ(count_commands<FanoutDoneCmd>(d2), 1);
}

TEST_F(Robustness, RestartedGatewayContinuesAFanoutFromWhatTheBrokerAccepted) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    transport.held_in_flight = 4;  // the broker has not acknowledged the last 4 publishes
    device_event(d1, ready());
    device_event(d2, ready());
    ASSERT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);
    advance(Millis(1000));  // the mark is stored
    restart();              // kill -9: the unacknowledged chunks may be lost
    transport.held_in_flight = 0;
    transport.clear();
    gw->tick();
    device_event(d1, ready());  // fresh answers: no missing list
    device_event(d2, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), range(6, 9)) << "only what the broker had not accepted";
    EXPECT_EQ(count_commands<FanoutDoneCmd>(d1), 1);
}

TEST_F(Robustness, RestartAfterAFinishedFanoutSendsNothingOnTheModelTopic) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    advance(Millis(1000));
    restart();
    transport.clear();
    gw->tick();
    device_event(d1, ready());
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());
    EXPECT_EQ(count_commands<FanoutDoneCmd>(d1), 1) << "it asks for whatever it still lacks";
}

TEST_F(Robustness, DeviceThatLacksNothingGetsFanoutDoneWithoutAFanout) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    restart();
    transport.clear();
    gw->tick();
    device_event(d1, ready({{fw(), {}}}));
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());
    EXPECT_EQ(count_commands<FanoutDoneCmd>(d1), 1);
}

TEST_F(Robustness, LostBrokerSessionReoffersTransfersAndTheyShareOneFanoutOfWhatTheyLack) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    device_event(d2, ready());
    ASSERT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);
    transport.clear();

    MqttEvent connected;
    connected.kind = MqttEvent::Kind::Connected;
    connected.session_lost = true;  // the broker restarted without persistence
    gw->handle(connected);
    gw->tick();
    EXPECT_EQ(count_commands<OfferCmd>(d1), 1);
    EXPECT_EQ(count_commands<OfferCmd>(d2), 1);

    device_event(d1, ready({{fw(), {{3, 9}}}}));
    device_event(d1, encode(NeedEvent{"c1", fw(), {{3, 9}}}));  // its own timer fired too
    EXPECT_TRUE(transport.on_topic(*topics::dev_chunk(kGw, d1, fw())).empty()) << "the coming fan-out covers it";
    device_event(d2, ready({{fw(), {{4, 9}}}}));
    EXPECT_EQ(chunk_indexes(model_topic()), range(3, 9)) << "once, on the model topic";
    EXPECT_TRUE(transport.on_topic(*topics::dev_chunk(kGw, d2, fw())).empty());
}

TEST_F(Robustness, KeptBrokerSessionDoesNotReoffer) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    transport.clear();
    MqttEvent connected;
    connected.kind = MqttEvent::Kind::Connected;
    gw->handle(connected);
    gw->tick();
    EXPECT_EQ(count_commands<OfferCmd>(d1), 0);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
