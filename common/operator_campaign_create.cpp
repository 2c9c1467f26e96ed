// campaign_create's args and answer (common/operator_campaign_create.hpp).
#include "common/operator_campaign_create.hpp"

#include <set>
#include <utility>

#include "common/message_fields.hpp"

namespace fleetcast {

namespace {

bool has(const cJSON* o, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(o, key);
    return f && !cJSON_IsNull(f);
}

// Ids in the operator's order, each once.
Expected<std::vector<std::string>> unique_ids(const cJSON* o, const char* key, const char* what, std::size_t max) {
    FC_TRY(ids, json::get_id_list(o, key, what, max));
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (auto& id : *ids)
        if (seen.insert(id).second) out.push_back(std::move(id));
    return out;
}

// The three times of a campaign, each absolute (`*_at`) or relative (`*_in_ms`).
struct TimeField {
    const char* at_key;
    const char* in_key;
    std::optional<TimePoint> CampaignCreateArgs::*at;
    std::optional<Millis> CampaignCreateArgs::*in;
};
constexpr TimeField kTimeFields[] = {
    {"update_at", "update_in_ms", &CampaignCreateArgs::update_at, &CampaignCreateArgs::update_in},
    {"transmit_at", "transmit_in_ms", &CampaignCreateArgs::transmit_at, &CampaignCreateArgs::transmit_in},
    {"expires_at", "expires_in_ms", &CampaignCreateArgs::expires_at, &CampaignCreateArgs::expires_in},
};

Status read_times(const cJSON* o, CampaignCreateArgs& a) {
    for (const auto& f : kTimeFields) {
        FC_TRY(at, json::get_optional_time(o, f.at_key));
        a.*f.at = *at;
        if (has(o, f.in_key)) {
            FC_TRY(ms, detail::millis_from_json(o, f.in_key, kMaxRelativeTime));
            a.*f.in = *ms;
        }
        if (a.*f.at && a.*f.in)
            return make_error("bad_args", std::string("give ") + f.at_key + " or " + f.in_key + ", not both");
    }
    return ok_status();
}

Status read_retry(const cJSON* o, RetryPolicy& r) {
    if (has(o, "retry_max")) {
        FC_TRY(n, json::get_uint(o, "retry_max", kMaxRetries));
        r.max_retries = static_cast<std::uint32_t>(*n);
    }
    if (has(o, "retry_backoff_ms")) {
        FC_TRY(ms, detail::millis_from_json(o, "retry_backoff_ms", kMaxRetryDuration));
        r.backoff = *ms;
    }
    if (has(o, "power_on_timeout_ms")) {
        FC_TRY(ms, detail::millis_from_json(o, "power_on_timeout_ms", kMaxRetryDuration));
        if (ms->count() == 0) return make_error("bad_args", "power_on_timeout_ms must be positive");
        r.power_on_timeout = *ms;
    }
    return ok_status();
}

}  // namespace

void to_json(cJSON* o, const CampaignCreateArgs& a) {
    if (a.all) json::put(o, "all", true);
    if (!a.devices.empty()) json::put(o, "devices", a.devices);
    if (!a.models.empty()) json::put(o, "models", a.models);
    if (!a.firmware.empty()) json::put(o, "firmware", a.firmware);
    for (const auto& f : kTimeFields) {
        json::put(o, f.at_key, a.*f.at);
        if (const auto& in = a.*f.in) json::put(o, f.in_key, static_cast<std::uint64_t>(in->count()));
    }
    if (a.asap) json::put(o, "asap", true);
    json::put(o, "mode", to_string(a.mode));
    if (a.campaign) json::put(o, "campaign", *a.campaign);
    json::put(o, "retry_max", std::uint64_t{a.retry.max_retries});
    json::put(o, "retry_backoff_ms", static_cast<std::uint64_t>(a.retry.backoff.count()));
    json::put(o, "power_on_timeout_ms", static_cast<std::uint64_t>(a.retry.power_on_timeout.count()));
    if (a.failure_threshold) to_json(cJSON_AddObjectToObject(o, "failure_threshold"), *a.failure_threshold);
    put_rate_limits(o, a.limits);
    if (a.waves) to_json(cJSON_AddObjectToObject(o, "waves"), *a.waves);
    if (a.dry_run) json::put(o, "dry_run", true);
}

Expected<CampaignCreateArgs> campaign_create_args_from_json(const cJSON* o) {
    CampaignCreateArgs a;
    if (has(o, "all")) {
        FC_TRY(all, json::get_bool(o, "all"));
        a.all = *all;
    }
    if (has(o, "devices")) {
        FC_TRY(devices, unique_ids(o, "devices", "device", kMaxDevicesPerSchedule));
        if (devices->empty()) return make_error("bad_args", "'devices' is empty");
        a.devices = std::move(*devices);
    }
    if (has(o, "models")) {
        FC_TRY(models, unique_ids(o, "models", "model", kMaxCampaignModels));
        a.models = std::move(*models);
    }
    if (a.all == (!a.devices.empty() || !a.models.empty()))
        return make_error("bad_args", "give exactly one of 'all': true or a 'devices' and/or 'models' list");
    if (has(o, "firmware")) {
        FC_TRY(fw, json::get_id_list(o, "firmware", "firmware", kMaxCampaignFirmware));
        a.firmware = std::move(*fw);
    }
    FC_TRY(times, read_times(o, a));
    FC_TRY(retry, read_retry(o, a.retry));
    if (has(o, "asap")) {
        FC_TRY(asap, json::get_bool(o, "asap"));
        a.asap = *asap;
    }
    if (has(o, "mode")) {
        FC_TRY(text, json::get_string(o, "mode", 8));
        auto mode = transfer_mode_from_string(*text);
        if (!mode) return make_error("bad_args", mode.error().message);
        a.mode = *mode;
    }
    if (has(o, "campaign")) {
        FC_TRY(id, json::get_id(o, "campaign", "campaign"));
        a.campaign = *id;
    }
    if (has(o, "failure_threshold")) {
        FC_TRY(t, failure_threshold_from_json(cJSON_GetObjectItemCaseSensitive(o, "failure_threshold")));
        a.failure_threshold = *t;
    }
    FC_TRY(limits, rate_limits_from_json(o));
    a.limits = *limits;
    if (has(o, "waves")) {
        FC_TRY(w, wave_plan_from_json(cJSON_GetObjectItemCaseSensitive(o, "waves")));
        a.waves = *w;
    }
    if (has(o, "dry_run")) {
        FC_TRY(dry, json::get_bool(o, "dry_run"));
        a.dry_run = *dry;
    }
    return a;
}

void resolve_relative_times(CampaignCreateArgs& a, TimePoint now) {
    for (const auto& f : kTimeFields) {
        if (auto& in = a.*f.in) a.*f.at = now + *in;
        (a.*f.in).reset();
    }
}

void to_json(cJSON* o, const CampaignCreated& c) {
    json::put(o, "campaign", c.campaign);
    json::put(o, "targets", c.targets);
    json::put(o, "mode", to_string(c.mode));
    json::put(o, "update_at", c.update_at);
    json::put(o, "transmit_at", c.transmit_at);
    json::put(o, "expires_at", c.expires_at);
    json::put(o, "expected_end", c.expected_end);
    json::put(o, "notes", c.notes);
    put_retry_policy(o, "retry", c.retry);
    cJSON* skipped = cJSON_AddArrayToObject(o, "skipped");
    for (const auto& s : c.skipped) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "device", s.device);
        json::put(item, "reason", s.reason);
        cJSON_AddItemToArray(skipped, item);
    }
    if (c.failure_threshold) to_json(cJSON_AddObjectToObject(o, "failure_threshold"), *c.failure_threshold);
    put_rate_limits(o, c.limits);
    if (c.waves) {
        cJSON* w = cJSON_AddObjectToObject(o, "waves");
        to_json(w, *c.waves);
        cJSON* counts = cJSON_AddArrayToObject(w, "counts");
        for (auto n : c.wave_counts) cJSON_AddItemToArray(counts, cJSON_CreateNumber(static_cast<double>(n)));
    }
    if (c.dry_run) json::put(o, "dry_run", true);
    if (c.preparing) json::put(o, "preparing", *c.preparing);
}

Expected<CampaignCreated> campaign_created_from_json(const cJSON* o) {
    CampaignCreated c;
    FC_TRY(id, json::get_id(o, "campaign", "campaign"));
    c.campaign = *id;
    FC_TRY(targets, json::get_uint(o, "targets", kMaxDevicesPerSchedule));
    c.targets = *targets;
    FC_TRY(plan, detail::campaign_plan_from_json(o));
    c.mode = plan->mode;
    c.update_at = plan->update_at;
    c.transmit_at = plan->transmit_at;
    c.expires_at = plan->expires_at;
    FC_TRY(end, json::get_time(o, "expected_end"));
    c.expected_end = *end;
    FC_TRY(notes, json::get_array(o, "notes", 64));
    const cJSON* note = nullptr;
    cJSON_ArrayForEach(note, *notes) {
        if (!cJSON_IsString(note)) return make_error("bad_value", "notes must be strings");
        c.notes.emplace_back(note->valuestring);
    }
    FC_TRY(retry_obj, json::get_object(o, "retry"));
    FC_TRY(retry, retry_policy_from_json(*retry_obj));
    c.retry = *retry;
    FC_TRY(skipped, json::get_array(o, "skipped", kMaxDevicesPerSchedule));
    const cJSON* s = nullptr;
    cJSON_ArrayForEach(s, *skipped) {
        FC_TRY(device, json::get_id(s, "device", "device"));
        FC_TRY(reason, json::get_string(s, "reason", 64));
        c.skipped.push_back({*device, *reason});
    }
    if (has(o, "failure_threshold")) {
        FC_TRY(t, failure_threshold_from_json(cJSON_GetObjectItemCaseSensitive(o, "failure_threshold")));
        c.failure_threshold = *t;
    }
    FC_TRY(limits, rate_limits_from_json(o));
    c.limits = *limits;
    if (has(o, "waves")) {
        const cJSON* w = cJSON_GetObjectItemCaseSensitive(o, "waves");
        FC_TRY(plan, wave_plan_from_json(w));
        c.waves = *plan;
        FC_TRY(counts, json::get_array(w, "counts", kMaxWaves));
        const cJSON* n = nullptr;
        std::uint64_t last = 0;
        cJSON_ArrayForEach(n, *counts) {
            if (!cJSON_IsNumber(n) || n->valuedouble <= static_cast<double>(last) ||
                n->valuedouble > static_cast<double>(c.targets))
                return make_error("bad_value", "waves.counts must increase, each at most the targets");
            last = static_cast<std::uint64_t>(n->valuedouble);
            c.wave_counts.push_back(last);
        }
        if (c.wave_counts.empty() || c.wave_counts.back() != c.targets)
            return make_error("bad_value", "waves.counts must end with the number of targets");
    }
    if (has(o, "dry_run")) {
        FC_TRY(dry, json::get_bool(o, "dry_run"));
        c.dry_run = *dry;
    }
    if (has(o, "preparing")) {
        FC_TRY(n, json::get_uint(o, "preparing", kMaxDevicesPerSchedule));
        c.preparing = *n;
    }
    return c;
}

}  // namespace fleetcast
