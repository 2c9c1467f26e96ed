#pragma once
// The gateway's image cache and its downloads from the manager (R2, R7, R23).
// A download is a PartialImage at cache/{fw}.img.part (identity: the image
// SHA-256). fetch requests keep at most `window` chunks outstanding. QoS 1
// and persistent sessions mean a chunk is rarely lost, only late, and on a
// slow link a window takes a while to arrive; so outstanding chunks are asked
// again only after a silence of max(retry_after, twice the time the
// outstanding bytes need at the measured manager-link rate), doubling after
// each silent retry (at most 8x), and not at all while the site bridge is
// down (what was asked is queued and flows when it is back). A complete image
// is checked against the manifest SHA-256 and renamed to cache/{fw}.img.
// A chunk of a cached image found corrupt when it is read (verify on read,
// FanoutSender) is asked again from the manager, that chunk only, and written
// back in place once it arrives and matches the signed manifest.
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/messages.hpp"
#include "common/partial_image.hpp"
#include "common/transport.hpp"
#include "gateway/rate_meter.hpp"

namespace fleetcast::gateway {

class ImageFetcher {
   public:
    enum class ChunkResult { Stored, Duplicate, Cached, Corrupt, Rejected, Repaired };

    ImageFetcher(Transport& transport, Clock& clock, Counters& counters, std::string gateway,
                 std::filesystem::path cache_dir, std::uint32_t window, Millis retry_after);
    ~ImageFetcher();
    ImageFetcher(const ImageFetcher&) = delete;
    ImageFetcher& operator=(const ImageFetcher&) = delete;

    // Real downloads feed the manager->gateway rate (R9); optional.
    void set_rate_meter(RateMeter* meter) { meter_ = meter; }
    bool cached(const std::string& fw_id) const;
    std::filesystem::path cached_path(const std::string& fw_id) const;

    // Starts (or keeps) asking the manager for the chunks the cache lacks.
    void want(const FirmwareManifest& m);
    // A chunk from the manager, for an image whose manifest is known. Accepted
    // without a request too (push mode).
    ChunkResult on_chunk(const FirmwareManifest& m, std::string_view bytes);
    // Asks the manager again for one chunk of a cached image that failed its
    // check when read; on_chunk() answers Repaired once it is written back.
    void refetch(const FirmwareManifest& m, std::uint32_t index);
    bool refetching(const std::string& fw_id) const { return refetch_.count(fw_id) > 0; }
    // Issue 16: stops asking for the image (its campaign is paused); chunks
    // already on their way are still kept. want() asks for the rest again.
    void hold(const std::string& fw_id);
    // Issue 16 item 5: hold() for every download (the maintenance window closed).
    void hold_all();
    // Issue 16: the image is needed by no campaign any more (canceled): its
    // download and its cached file are deleted.
    void drop(const std::string& fw_id);
    // Tops up the request window and re-requests what did not arrive.
    void tick();
    // Writes every download's bitmap (clean stop).
    void checkpoint_all();
    // The manager link (site bridge) went down or came back.
    void set_link_up(bool up);

    // A download resumed from disk asks for nothing during this time: chunks
    // the manager sent to our persistent session while we were down arrive
    // first, so they are not requested (and sent) a second time (R23).
    Millis resume_settle{1000};

   private:
    struct Download {
        FirmwareManifest manifest;
        std::unique_ptr<PartialImage> image;
        bool requesting = false;
        std::map<std::uint32_t, TimePoint> outstanding;  // requested, not yet arrived
        TimePoint last_activity{};
        std::uint32_t backoff = 1;  // multiplier of the retry wait, doubled per silent retry
        std::uint64_t bytes_received = 0;
        TimePoint hold_until{};  // resumed: no requests before this
    };
    Download* open(const FirmwareManifest& m);
    void request_more(Download& d, bool force);
    void send_fetch(const std::string& fw_id, const std::vector<std::uint32_t>& indexes);
    ChunkResult patch_cached(const FirmwareManifest& m, std::uint32_t index, std::string_view payload);
    ChunkResult complete(Download& d);
    Millis retry_wait(const Download& d) const;
    void report(const std::string& fw_id, const std::string& state, std::uint64_t bytes);

    Transport& transport_;
    Clock& clock_;
    Counters& counters_;
    std::string gateway_;
    std::filesystem::path cache_dir_;
    std::uint32_t window_;
    Millis retry_after_;
    std::map<std::string, Download> downloads_;
    // Cached images' chunks asked again (verify on read): fw_id -> index -> asked at.
    std::map<std::string, std::map<std::uint32_t, TimePoint>> refetch_;
    RateMeter* meter_ = nullptr;
    bool link_up_ = true;
    mutable std::set<std::string> cached_;
};

}  // namespace fleetcast::gateway
