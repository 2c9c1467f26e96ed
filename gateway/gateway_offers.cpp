// The communication request (offer) to a device that is due and online
// (R11, topics.md flow step 3): the job's answer deadline is set by the table.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

bool Gateway::device_offline(const std::string& device) const {
    auto it = devices_.find(device);
    return it != devices_.end() && it->second.status == DeviceStatus::Offline;
}

void Gateway::offer(JobRow& job, TimePoint now) {
    OfferCmd cmd;
    cmd.campaign = job.campaign;
    for (const auto& fw : job.fw_ids)
        if (const auto* m = manifest(fw)) cmd.firmware.push_back(*m);
    if (cmd.firmware.empty() || !jobs_.apply(job, JobEvent::Offered, now)) return;
    for (const auto& fw : job.fw_ids) plans_.offered({job.campaign, fw}, job.device, now);
    std::uint64_t bytes = 0;
    for (const auto& m : cmd.firmware) bytes += m.size;
    rates_.offered(job.campaign, job.device, bytes);
    auto st = publish_counted(topics::dev_cmd(config_.id, job.device), encode(cmd));
    if (!st)
        log_warn("gateway", "offer_failed")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("error", st.error().str());
    job_line(log_info("gateway", "offer_sent"), job).kv("images", cmd.firmware.size());
}

}  // namespace fleetcast::gateway
