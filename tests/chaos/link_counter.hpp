#pragma once
// An independent count of the firmware bytes that crossed each hop, from a
// subscriber of its own on the real broker: manager -> gateway chunks
// (gw/{gw}/fw/{fw}/chunk), the gateway's fan-out (site/{gw}/model/{m}/fw/{fw}/chunk)
// and its repairs (site/{gw}/dev/{dev}/fw/{fw}/chunk). Only authentic chunks
// count: the payload's SHA-256 must equal the image's chunk at that index (the
// test knows the images), so the hostile client's forged, truncated or
// oversized publishes on the same topics are counted apart.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/mqtt_session.hpp"
#include "common/sha256.hpp"

namespace fleetcast::testing::chaos {

struct HopKey {
    std::string hop;      // "manager->gateway", "fan-out", "repair"
    std::string gateway;  // site
    std::string fw_id;
    bool operator<(const HopKey& o) const {
        return std::tie(hop, gateway, fw_id) < std::tie(o.hop, o.gateway, o.fw_id);
    }
};

struct HopBytes {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;  // whole messages: chunk header + payload
};

class LinkCounter {
   public:
    // chunk_digests: fw id -> SHA-256 of each chunk of that image.
    LinkCounter(const std::string& uri, std::map<std::string, std::vector<Digest>> chunk_digests);
    ~LinkCounter();
    std::map<HopKey, HopBytes> authentic() const;
    std::uint64_t foreign_messages() const { return foreign_.load(); }

   private:
    void count(const std::string& topic, const std::string& payload);
    std::map<std::string, std::vector<Digest>> digests_;
    BlockingQueue<MqttEvent> queue_{16384};
    std::unique_ptr<MqttSession> session_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> foreign_{0};
    mutable std::mutex mu_;
    std::map<HopKey, HopBytes> hops_;
};

// SHA-256 of each chunk of `image` (chunk i = bytes [i*chunk_size, (i+1)*chunk_size)).
std::vector<Digest> chunk_digests(const std::string& image, std::uint32_t chunk_size);

}  // namespace fleetcast::testing::chaos
