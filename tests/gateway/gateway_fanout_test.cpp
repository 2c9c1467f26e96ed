// Offers, fan-out on the model topic and repairs on device topics (R3, R4, R11, R23).
#include <algorithm>
#include <numeric>

#include "common/chunk_codec.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

class Fanout : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    std::string model_topic() const { return *topics::site_model_chunk(kGw, "A123", main_v2.manifest.fw_id); }
    std::string ready(const std::string& campaign = "c1") const {
        return encode(ReadyEvent{campaign, {main_v2.manifest.fw_id}});
    }
    std::vector<std::uint32_t> all_chunks() const {
        std::vector<std::uint32_t> v(main_v2.manifest.chunk_count);
        std::iota(v.begin(), v.end(), 0u);
        return v;
    }
    // Schedule due now, image cached, offers sent to both devices.
    void cached_and_offered() {
        send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
        send_all_chunks(main_v2);
    }
    int fanout_dones(const std::string& device) const {
        int n = 0;
        for (const auto& c : commands(device)) n += std::holds_alternative<FanoutDoneCmd>(c);
        return n;
    }
};

TEST_F(Fanout, CachedImageIsOfferedToEveryTargetDevice) {
    cached_and_offered();
    for (const auto& d : {d1, d2}) {
        auto cmds = commands(d);
        ASSERT_EQ(cmds.size(), 1u) << d;
        auto* offer = std::get_if<OfferCmd>(&cmds[0]);
        ASSERT_NE(offer, nullptr);
        EXPECT_EQ(offer->campaign, "c1");
        ASSERT_EQ(offer->firmware.size(), 1u);
        EXPECT_EQ(offer->firmware[0].sha256, main_v2.manifest.sha256);
        EXPECT_EQ(job_reports(d).back().state, JobState::Requesting);  // communication requested, no answer yet (R11)
        EXPECT_TRUE(job_reports(d).back().started_at.has_value());
    }
}

TEST_F(Fanout, ImageIsFannedOutOnceOnModelTopicAfterAllReady) {
    cached_and_offered();
    device_event(d1, ready());
    advance(Millis(1000));
    EXPECT_TRUE(transport.on_topic(model_topic()).empty()) << "waits for the second device";

    device_event(d2, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), all_chunks());
    for (const auto& p : transport.on_topic(model_topic())) {
        auto c = decode_chunk(p.payload, kMaxChunkSize);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->count, main_v2.manifest.chunk_count);
        EXPECT_EQ(c->payload, std::string_view(main_v2.bytes).substr(c->index * 1024, 1024));
    }
    EXPECT_EQ(fanout_dones(d1), 1);
    EXPECT_EQ(fanout_dones(d2), 1);

    // Duplicate ready (QoS 1) and more ticks do not send the image again.
    device_event(d2, ready());
    advance(Millis(10000));
    EXPECT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);
}

TEST_F(Fanout, FanoutStartsAfterReadyTimeoutWithoutSilentDevices) {
    cached_and_offered();
    device_event(d1, ready());
    advance(Millis(2900));
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());
    advance(Millis(100));
    EXPECT_EQ(chunk_indexes(model_topic()), all_chunks());
    EXPECT_EQ(fanout_dones(d1), 1);
    EXPECT_EQ(fanout_dones(d2), 0) << "d2 never said it was listening";
}

TEST_F(Fanout, LateDeviceGetsFanoutDoneAndRepairs) {
    cached_and_offered();
    device_event(d1, ready());
    advance(Millis(3000));
    ASSERT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count);

    device_event(d2, ready());
    ASSERT_EQ(fanout_dones(d2), 1) << "answered right away";
    auto cmds = commands(d2);
    auto* done = std::get_if<FanoutDoneCmd>(&cmds.back());
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->fw_id, main_v2.manifest.fw_id);
    EXPECT_EQ(done->chunk_count, main_v2.manifest.chunk_count);

    device_event(d2, encode(NeedEvent{"c1", main_v2.manifest.fw_id, {{0, 9}}}));
    EXPECT_EQ(chunk_indexes(*topics::dev_chunk(kGw, d2, main_v2.manifest.fw_id)), all_chunks());
    EXPECT_EQ(chunk_indexes(model_topic()).size(), main_v2.manifest.chunk_count) << "no second fan-out";
}

TEST_F(Fanout, NeedIsAnsweredOnDeviceTopic) {
    cached_and_offered();
    device_event(d1, ready());
    device_event(d2, ready());
    transport.clear();

    // Overlapping, out-of-image and repeated ranges: each chunk once, in the image only.
    device_event(d1, encode(NeedEvent{"c1", main_v2.manifest.fw_id, {{3, 3}, {7, 8}, {8, 9}, {40, 50}}}));
    auto topic = *topics::dev_chunk(kGw, d1, main_v2.manifest.fw_id);
    EXPECT_EQ(chunk_indexes(topic), (std::vector<std::uint32_t>{3, 7, 8, 9}));
    for (const auto& p : transport.on_topic(topic)) {
        auto c = decode_chunk(p.payload, kMaxChunkSize);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->payload, std::string_view(main_v2.bytes).substr(c->index * 1024, 1024));
    }
    EXPECT_TRUE(transport.on_topic(*topics::dev_chunk(kGw, d2, main_v2.manifest.fw_id)).empty());
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());
    EXPECT_EQ(counter("bad_input"), 0u);

    // A need for a campaign the device is not in is bad input.
    device_event(d1, encode(NeedEvent{"c-other", main_v2.manifest.fw_id, {{0, 0}}}));
    EXPECT_EQ(counter("bad_input"), 1u);
}

TEST_F(Fanout, OfflineDeviceGetsOfferWhenItComesBack) {
    device_state(d2, "A123", {}, DeviceStatus::Offline);
    cached_and_offered();
    EXPECT_EQ(commands(d1).size(), 1u);
    EXPECT_TRUE(commands(d2).empty());
    EXPECT_NE(job_reports(d2).back().state, JobState::Transferring);

    device_state(d2, "A123", {{"main", "1.0"}});
    ASSERT_EQ(commands(d2).size(), 1u);
    EXPECT_TRUE(std::holds_alternative<OfferCmd>(commands(d2)[0]));
}

TEST_F(Fanout, FanoutWaitsForUpdateTime) {
    auto s = make_schedule("c1", clock.now() + std::chrono::minutes(10), {&main_v2}, {d1, d2});
    s.mode = TransferMode::Push;
    send_schedule(s);
    EXPECT_TRUE(fetches().empty()) << "nothing is fetched before the update time";
    send_all_chunks(main_v2);  // pushed by the manager at its transmission time
    ASSERT_EQ(cache_reports().back().state, "cached");
    advance(Millis(9 * 60 * 1000));
    EXPECT_TRUE(commands(d1).empty());
    EXPECT_TRUE(transport.on_topic(model_topic()).empty());

    advance(Millis(60 * 1000));
    ASSERT_EQ(commands(d1).size(), 1u);
    EXPECT_TRUE(fetches().empty()) << "already cached";
    device_event(d1, ready());
    device_event(d2, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), all_chunks());
}

TEST_F(Fanout, RestartReoffersTransfersInProgress) {
    cached_and_offered();
    device_event(d1, ready());
    restart();
    transport.clear();
    gw->tick();
    EXPECT_EQ(commands(d1).size(), 1u);
    EXPECT_EQ(commands(d2).size(), 1u);
    device_event(d1, ready());
    device_event(d2, ready());
    EXPECT_EQ(chunk_indexes(model_topic()), all_chunks());
}

}  // namespace
}  // namespace fleetcast::gateway::testing
