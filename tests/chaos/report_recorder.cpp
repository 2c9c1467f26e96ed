#include "tests/chaos/report_recorder.hpp"

#include <stdexcept>
#include <variant>

#include "common/messages.hpp"
#include "common/topics.hpp"

namespace fleetcast::testing::chaos {

ReportRecorder::ReportRecorder(const std::string& uri) {
    MqttOptions o;
    o.uri = uri;
    o.client_id = "chaos-report-recorder";
    o.clean_session = false;  // reports queued while it reconnects still arrive
    session_ = std::make_unique<MqttSession>(o, queue_);
    auto st = session_->start();
    if (st) st = session_->wait_connected(std::chrono::seconds(10));
    if (st) st = session_->subscribe(topics::gw_report_filter());
    if (!st) throw std::runtime_error(st.error().str());
    thread_ = std::thread([this] {
        while (!stop_) {
            auto ev = queue_.pop_for(std::chrono::milliseconds(50));
            if (!ev || ev->kind != MqttEvent::Kind::Message) continue;
            auto t = topics::parse_topic(ev->topic);
            auto r = decode_gateway_report(ev->payload);
            if (!t || !r) continue;  // the hostile client's, among others
            const auto* job = std::get_if<JobReport>(&*r);
            if (!job) continue;
            std::lock_guard lock(mu_);
            jobs_[job->campaign][job->device] = {t->gateway, std::string(to_string(job->state)), job->detail};
        }
    });
}

ReportRecorder::~ReportRecorder() {
    stop_ = true;
    queue_.close();
    thread_.join();
    session_->stop();
}

std::map<std::string, ReportedJob> ReportRecorder::jobs(const std::string& campaign) const {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(campaign);
    return it == jobs_.end() ? std::map<std::string, ReportedJob>{} : it->second;
}

std::size_t ReportRecorder::ended(const std::string& campaign) const {
    std::size_t n = 0;
    for (const auto& [dev, j] : jobs(campaign))
        n += j.state == "completed" || j.state == "failed" || j.state == "expired" || j.state == "canceled";
    return n;
}

}  // namespace fleetcast::testing::chaos
