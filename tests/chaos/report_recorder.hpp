#pragma once
// The gateways' view of a campaign as they told the manager: the last `job`
// report per device on gw/{gw}/report, recorded by a subscriber of its own.
// (A gateway deletes an ended campaign from gateway.db once the manager cleared
// its schedule, so after the end its reports are what is left of its view.)
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/blocking_queue.hpp"
#include "common/mqtt_session.hpp"

namespace fleetcast::testing::chaos {

struct ReportedJob {
    std::string gateway, state, detail;
};

class ReportRecorder {
   public:
    explicit ReportRecorder(const std::string& uri);
    ~ReportRecorder();
    std::map<std::string, ReportedJob> jobs(const std::string& campaign) const;  // device -> last report
    std::size_t ended(const std::string& campaign) const;  // devices whose last report is an end state

   private:
    BlockingQueue<MqttEvent> queue_{4096};
    std::unique_ptr<MqttSession> session_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    std::map<std::string, std::map<std::string, ReportedJob>> jobs_;  // campaign -> device -> last report
};

}  // namespace fleetcast::testing::chaos
