// R27 reconciliation reports (gateway -> manager): digest, unknown_job.
// The resync command is with the other gw/{gw}/cmd messages (messages_control.cpp).
#include <cctype>

#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

namespace {
bool is_digest_hex(const std::string& s) {
    if (s.size() != 16) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
    return true;
}
}  // namespace

std::string encode(const DigestReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "digest");
    json::put(j.get(), "at", r.at);
    cJSON* list = cJSON_AddArrayToObject(j.get(), "campaigns");
    for (const auto& c : r.campaigns) {
        cJSON* o = cJSON_CreateObject();
        json::put(o, "campaign", c.campaign);
        json::put(o, "jobs", c.jobs);
        json::put(o, "open", c.open);
        json::put(o, "digest", c.digest);
        cJSON_AddItemToArray(list, o);
    }
    return j.dump();
}

std::string encode(const UnknownJobReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "unknown_job");
    json::put(j.get(), "campaign", r.campaign);
    json::put(j.get(), "device", r.device);
    json::put(j.get(), "event", r.event);
    return j.dump();
}

Expected<DigestReport> detail::digest_report_from_json(const cJSON* o) {
    DigestReport r;
    FC_TRY(at, json::get_time(o, "at"));
    r.at = *at;
    FC_TRY(list, json::get_array(o, "campaigns", kMaxDigestCampaigns));
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *list) {
        if (!cJSON_IsObject(item)) return make_error("bad_type", "a digest entry must be an object");
        CampaignDigest c;
        FC_TRY(campaign, json::get_id(item, "campaign", "campaign"));
        FC_TRY(jobs, json::get_uint(item, "jobs", kMaxDevicesPerSchedule));
        FC_TRY(open, json::get_uint(item, "open", kMaxDevicesPerSchedule));
        FC_TRY(digest, json::get_string(item, "digest", 16));
        if (*open > *jobs)
            return make_error("out_of_range", "campaign " + *campaign + ": open jobs exceed the job count");
        if (!is_digest_hex(*digest))
            return make_error("bad_value", "campaign " + *campaign + ": digest must be 16 lowercase hex digits");
        for (const auto& seen : r.campaigns)
            if (seen.campaign == *campaign) return make_error("bad_value", "campaign " + *campaign + " listed twice");
        c.campaign = *campaign;
        c.jobs = *jobs;
        c.open = *open;
        c.digest = *digest;
        r.campaigns.push_back(std::move(c));
    }
    return r;
}

Expected<UnknownJobReport> detail::unknown_job_report_from_json(const cJSON* o) {
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    FC_TRY(device, json::get_id(o, "device", "device"));
    FC_TRY(event, json::get_id(o, "event", "event type"));
    return UnknownJobReport{*campaign, *device, *event};
}

}  // namespace fleetcast
