// `fleetcast cancel` against a stand-in manager on a real broker: the manager
// accepts the cancel and its results then show the job ended another way
// (expired, R18). The CLI must stop polling at once (the job is final) and
// say it was not canceled, instead of polling until its --timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/blocking_queue.hpp"
#include "common/mqtt_session.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_messages.hpp"
#include "common/topics.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"

namespace fleetcast {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Answers `cancel` with the accepted job and `results` with that job in `ended_as`.
class StandInManager {
   public:
    StandInManager(const std::string& uri, JobState ended_as) : ended_as_(ended_as) {
        MqttOptions o;
        o.uri = uri;
        o.client_id = "manager";
        o.clean_session = true;
        session_ = std::make_unique<MqttSession>(o, queue_);
        EXPECT_TRUE(session_->start());
        EXPECT_TRUE(session_->wait_connected(10s));
        EXPECT_TRUE(session_->subscribe(topics::manager_request_filter()));
        EXPECT_TRUE(session_->publish(topics::manager_state(),
                                      encode(ProcessState{"manager", "manager", true, TimePoint{}, {}}), true));
        thread_ = std::thread([this] { run(); });
    }
    ~StandInManager() {
        stop_ = true;
        thread_.join();
        session_->publish(topics::manager_state(), "", true);
        session_->stop();
    }
    int results_asked() const { return results_asked_.load(); }

   private:
    void run() {
        while (!stop_) {
            auto e = queue_.pop_for(100ms);
            if (!e || e->kind != MqttEvent::Kind::Message) continue;
            auto req = decode_operator_request(e->payload);
            if (!req) continue;
            OperatorResponse resp{req->req_id, true, "", "", Json::object()};
            if (req->op == "cancel") {
                to_json(resp.data.get(),
                        ControlAnswer{"A123-000001", "c-1", "gw1", JobState::Transferring, req->req_id});
            } else if (req->op == "results") {
                ++results_asked_;
                // A whole results answer (the CLI decodes it strictly): one expired job.
                ResultsRow row{"A123-000001", "gw1", "A123", {"0123456789abcdef"}, JobView{}, TimePoint{}};
                row.job.state = ended_as_;
                row.job.detail = "expired: the campaign's expiration time passed";
                ResultsAnswer a;
                a.header.campaign = "c-1";
                a.header.state = "ended";
                a.devices.push_back(row);
                a.summary = empty_summary();
                count(a.summary, ended_as_);
                a.offset = 0;
                a.control.campaign = "c-1";
                a.control.state = "ended";
                resp.data = json_object(a);
            } else {
                resp = OperatorResponse{req->req_id, false, "not in this test", "bad_args", Json::object()};
            }
            // Answered as the manager does: under the request's identity and client.
            auto p = topics::parse_topic(e->topic);
            if (!p) continue;
            auto topic = topics::manager_response(p->identity, p->client);
            if (topic) session_->publish(*topic, encode(resp));
        }
    }

    JobState ended_as_;
    BlockingQueue<MqttEvent> queue_{1024};
    std::unique_ptr<MqttSession> session_;
    std::atomic<bool> stop_{false};
    std::atomic<int> results_asked_{0};
    std::thread thread_;
};

TEST(CliCancel, AnExpiredJobEndsTheWaitAtOnceAndIsNotReportedCanceled) {
    auto dir = fs::temp_directory_path() / ("fleetcast-cli-cancel-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    testing::Broker broker(dir);
    StandInManager manager(broker.uri(), JobState::Expired);
    const auto start = std::chrono::steady_clock::now();
    auto r = testing::run_command(
        {FLEETCAST_CLI_BIN, "--broker", broker.uri(), "--timeout", "30s", "cancel", "A123-000001"}, 60s);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("EXPIRED (expired)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("was not canceled (state expired)"), std::string::npos) << r.output;
    // Well inside the 30 s timeout: the first results answer already ended the wait.
    EXPECT_LT(took, 15s) << r.output;
    EXPECT_LE(manager.results_asked(), 2) << r.output;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace fleetcast
