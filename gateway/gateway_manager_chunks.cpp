// Images from the manager: its chunks fill the cache (ImageFetcher), and
// what a job needs is either all cached or being fetched (topics.md flow step 3).
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

void Gateway::on_manager_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload) {
    const FirmwareManifest* m = manifest(fw_id);
    if (!m) return bad_input("chunk", topic, make_error("unknown_firmware", "no schedule names firmware " + fw_id));
    auto result = fetcher_.on_chunk(*m, payload);
    if (result == ImageFetcher::ChunkResult::Cached) dirty_ = true;
    if (result == ImageFetcher::ChunkResult::Repaired && !fetcher_.refetching(fw_id)) sender_.unblock(fw_id);
}

bool Gateway::all_cached(const JobRow& job) const {
    for (const auto& fw : job.fw_ids)
        if (!fetcher_.cached(fw)) return false;
    return true;
}

}  // namespace fleetcast::gateway
