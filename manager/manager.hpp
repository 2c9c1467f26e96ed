#pragma once
// The manager daemon's logic: one object driven by one loop. MQTT events come
// in through handle(), time through tick(); collaborators (transport, clock,
// state directory) are given, so tests drive it with a RecordingTransport and
// a ManualClock.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/executor.hpp"
#include "common/held_transport.hpp"
#include "common/own_retained.hpp"
#include "common/transport.hpp"
#include "manager/campaign_preparer.hpp"
#include "manager/chunk_server.hpp"
#include "manager/failure_guard.hpp"
#include "manager/firmware_repository.hpp"
#include "manager/firmware_uploads.hpp"
#include "manager/manager_store.hpp"
#include "manager/manifest_signer.hpp"
#include "manager/operator_api.hpp"
#include "manager/push_scheduler.hpp"
#include "manager/reconciler.hpp"
#include "manager/report_handler.hpp"
#include "manager/schedule_publisher.hpp"
#include "manager/wave_guard.hpp"

namespace fleetcast::manager {

struct ManagerConfig {
    std::string id = "manager";
    std::filesystem::path state_dir;                    // manager.db and images/
    std::shared_ptr<const SigningKey> signing_key;      // required: every manifest is signed (R21)
    Millis manifest_validity{30LL * 24 * 3600 * 1000};  // how long a manifest signature lasts
    // At most one process_state per interval while counters move (clock time:
    // main() scales it with --time-scale so that it stays a real second).
    Millis state_interval{1000};
    // The largest image an operator may upload over MQTT (firmware_upload_begin).
    std::uint64_t max_upload_size = 4ULL << 30;
    // An upload nobody continued for this long is removed (0: never).
    Millis upload_expiry{24LL * 3600 * 1000};
    // The most rows one page of `results`/`targets` carries (1-5000): lower
    // it for a broker with a small message_size_limit (~300 bytes a row).
    std::uint64_t page_limit = kResultsPageMax;
    // Issue 17 follow-up: where deltas and compressed images are made (the
    // daemon: a WorkerThread). None: made inline, inside the request that
    // wants them (unit tests that do not look at preparation).
    Executor* delta_executor = nullptr;
};

class Manager {
   public:
    // Opens (or creates) the state directory and its database.
    static Expected<std::unique_ptr<Manager>> open(Transport& transport, Clock& clock, const ManagerConfig& config);

    // Subscribes, publishes the retained online state and re-publishes what
    // the broker must retain (manifests, running schedules).
    Status start();
    // Issue 13 item 7: operator requests and responses (mgr/req/+/+, mgr/resp/+/+)
    // on a connection of their own, so an answer never waits behind the chunks
    // queued on the main one. Its events carry kOpsTag (and take the urgent
    // lane of the program's queue). Set before start(); without it, requests
    // use the main transport.
    static constexpr int kOpsTag = 1;
    void set_ops_transport(Transport& ops) { ops_ = &ops; }
    void handle(const MqttEvent& event);
    // One loop turn (issue 20): the gateways' messages among `events` that
    // come one after another are handled in one SQLite transaction, and what
    // they send leaves after its COMMIT; anything else (operator requests,
    // connection events) is handled alone, as handle() does.
    void handle_turn(const std::vector<MqttEvent>& events);
    // Periodic work: push-mode transmissions and the retained state's
    // counters (each at most once a second), pending chunks.
    void tick();

    // The retained state payload, online or offline (LWT, clean stop).
    std::string state_payload(bool online) const;
    const Counters& counters() const { return counters_; }
    ManagerStore& store() { return *store_; }
    ChunkServer& chunk_server() { return chunks_; }

   private:
    Manager(Transport& transport, Clock& clock, ManagerConfig config, std::unique_ptr<ManagerStore> store);
    void on_message(const MqttEvent& event);
    void on_request(const std::string& identity, const std::string& client, const std::string& topic,
                    const std::string& payload);
    // Logs and counts a failed message: bad input, or an internal failure.
    void reject(const std::string& counter, const std::string& topic, const Error& e);
    void publish_state();
    Transport& ops() { return ops_ ? *ops_ : transport_; }
    void handle_batch(const std::vector<MqttEvent>& events, std::size_t from, std::size_t to);

    HeldTransport held_;    // the main connection, held during a batch of gateway messages
    Transport& transport_;  // = held_
    Clock& clock_;
    ManagerConfig config_;
    std::unique_ptr<ManagerStore> store_;
    Counters counters_;
    ManifestSigner signer_;
    FirmwareRepository repo_;
    FirmwareUploads uploads_;  // images on their way in over MQTT (state_dir/uploads)
    SchedulePublisher schedules_;
    Reconciler reconciler_;
    ChunkServer chunks_;
    CampaignControl control_;
    InlineExecutor inline_executor_;  // without config_.delta_executor
    CampaignPreparer preparer_;
    TimePoint prepared_checked_at_{};
    FailureGuard guard_;
    WaveGuard waves_;
    ReportHandler reports_;
    OperatorApi api_;
    PushScheduler pushes_;
    TimePoint pushes_checked_at_{};
    TimePoint uploads_swept_at_{};
    void expire_uploads();
    std::map<std::string, std::uint64_t> published_counters_;
    OwnRetained own_state_;  // our retained process state on the broker
    TimePoint state_published_at_{};
    Transport* ops_ = nullptr;
    bool connected_before_ = false;
};

}  // namespace fleetcast::manager
