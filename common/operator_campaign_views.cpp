// Campaign, device and gateway views of the operator API: one encoder and one
// strict decoder per answer (common/operator_campaign_views.hpp).
#include "common/operator_campaign_views.hpp"

#include "common/field_reader.hpp"
#include "common/ids.hpp"
#include "common/json_rows.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

namespace {

constexpr std::uint64_t kMaxCount = UINT64_MAX / 2;

// The campaign's mode and its update, transmission and expiration times.
void put_mode_and_times(cJSON* o, TransferMode mode, TimePoint update_at, const std::optional<TimePoint>& transmit_at,
                        const std::optional<TimePoint>& expires_at) {
    json::put(o, "mode", to_string(mode));
    put_campaign_times(o, update_at, transmit_at, expires_at);
}

// The status and reason every campaign view carries beside its control (the same values).
void put_control(cJSON* o, const CampaignControlView& control) {
    json::put(o, "status", control.state);
    json::put(o, "reason", control.reason);
    to_json(cJSON_AddObjectToObject(o, "control"), control);
}

Expected<CampaignControlView> control_from_json(const cJSON* o) {
    FieldReader f(o);
    std::string status, reason;
    if (!f.text("status", 16, status).text("reason", kMaxCampaignReason + 256, reason).ok()) return f.error();
    FC_TRY(obj, json::get_object(o, "control"));
    FC_TRY(control, campaign_control_view_from_json(*obj));
    if (control->state != status) return make_error("bad_answer", "status '" + status + "' is not control.state");
    return *control;
}

// The mode and times of a campaign view (`out`: a header or a history row).
template <typename View>
Status plan_from_json(const cJSON* o, View& out) {
    FC_TRY(plan, detail::campaign_plan_from_json(o));
    out.mode = plan->mode;
    out.update_at = plan->update_at;
    out.transmit_at = plan->transmit_at;
    out.expires_at = plan->expires_at;
    return ok_status();
}

// Issue 16 item 2: "wave", present only for a campaign with waves.
void put_wave(cJSON* o, const std::optional<WaveView>& wave) {
    if (wave) to_json(cJSON_AddObjectToObject(o, "wave"), *wave);
}
Status wave_from_json(const cJSON* o, std::optional<WaveView>& out) {
    const cJSON* w = cJSON_GetObjectItemCaseSensitive(o, "wave");
    if (!w) return ok_status();
    FC_TRY(v, wave_view_from_json(w));
    out = std::move(*v);
    return ok_status();
}

// Issue 17 item 7: "links", absent from older managers' answers.
void put_links(cJSON* o, const std::optional<std::vector<LinkBytes>>& links) {
    if (!links) return;
    rows_to_json(o, "links", *links, [](cJSON* item, const LinkBytes& l) {
        json::put(item, "gateway", l.gateway);
        json::put(item, "bytes", l.bytes);
        json::put(item, "saved", l.saved);
    });
}
Status links_from_json(const cJSON* o, std::optional<std::vector<LinkBytes>>& out) {
    if (!cJSON_GetObjectItemCaseSensitive(o, "links")) return ok_status();
    auto link = [](const cJSON* item) -> Expected<LinkBytes> {
        LinkBytes l;
        FieldReader f(item);
        f.id("gateway", "gateway", l.gateway).uint("bytes", kMaxCount, l.bytes);
        if (!f.uint("saved", kMaxCount, l.saved).ok()) return f.error();
        return l;
    };
    out.emplace();
    FC_TRY(rows, rows_from_json(o, "links", link, *out));
    return ok_status();
}

Expected<ResultSummary> summary_from_json(const cJSON* o) {
    FC_TRY(obj, json::get_object(o, "summary"));
    return result_summary_from_json(*obj);
}

}  // namespace

// ---- the campaign header ----------------------------------------------------
void to_json(cJSON* o, const CampaignHeader& h) {
    json::put(o, "campaign", h.campaign);
    json::put(o, "state", h.state);
    json::put(o, "mode", to_string(h.mode));
    json::put(o, "created_at", h.created_at);
    put_campaign_times(o, h.update_at, h.transmit_at, h.expires_at);
    json::put(o, "expected_end", h.expected_end);
    if (h.failure_threshold) to_json(cJSON_AddObjectToObject(o, "failure_threshold"), *h.failure_threshold);
}

Expected<CampaignHeader> campaign_header_from_json(const cJSON* o) {
    CampaignHeader h;
    FieldReader f(o);
    f.id("campaign", "campaign", h.campaign).text("state", 16, h.state).time("created_at", h.created_at);
    if (!f.optional_time("expected_end", h.expected_end).ok()) return f.error();
    FC_TRY(plan, plan_from_json(o, h));
    if (cJSON_GetObjectItemCaseSensitive(o, "failure_threshold")) {
        FC_TRY(obj, json::get_object(o, "failure_threshold"));
        FC_TRY(t, failure_threshold_from_json(*obj));
        h.failure_threshold = *t;
    }
    return h;
}

// ---- campaign_list ----------------------------------------------------------
void to_json(cJSON* o, const CampaignListAnswer& a) {
    rows_to_json(o, "campaigns", a.campaigns, [](cJSON* item, const CampaignListEntry& e) {
        to_json(item, e.header);
        to_json(cJSON_AddObjectToObject(item, "summary"), e.summary);
        cJSON* gws = cJSON_AddObjectToObject(item, "gateways");
        for (const auto& [gw, n] : e.gateways) json::put(gws, gw.c_str(), n);
        put_control(item, e.control);
        put_wave(item, e.wave);
        put_links(item, e.links);
    });
}

Expected<CampaignListAnswer> campaign_list_answer_from_json(const cJSON* o) {
    auto entry = [](const cJSON* item) -> Expected<CampaignListEntry> {
        CampaignListEntry e;
        FC_TRY(header, campaign_header_from_json(item));
        e.header = std::move(*header);
        FC_TRY(summary, summary_from_json(item));
        e.summary = std::move(*summary);
        FC_TRY(gws, json::get_object(item, "gateways"));
        const cJSON* gw = nullptr;
        cJSON_ArrayForEach(gw, *gws) {
            auto id = validate_id(gw->string ? gw->string : "", "gateway");
            if (!id) return id.error();
            FC_TRY(n, json::get_uint(*gws, gw->string, kMaxCount));
            e.gateways[gw->string] = *n;
        }
        FC_TRY(control, control_from_json(item));
        e.control = std::move(*control);
        FC_TRY(wave, wave_from_json(item, e.wave));
        FC_TRY(links, links_from_json(item, e.links));
        return e;
    };
    CampaignListAnswer a;
    FC_TRY(rows, rows_from_json(o, "campaigns", entry, a.campaigns));
    return a;
}

// ---- results ----------------------------------------------------------------
void to_json(cJSON* o, const ResultsAnswer& a) {
    to_json(o, a.header);
    rows_to_json(o, "devices", a.devices, [](cJSON* item, const ResultsRow& r) { to_json(item, r); });
    to_json(cJSON_AddObjectToObject(o, "summary"), a.summary);
    json::put(o, "pending", a.pending);
    if (a.offset) json::put(o, "offset", *a.offset);
    json::put(o, "total", a.summary.total);
    put_control(o, a.control);
    if (a.gateways)
        rows_to_json(o, "gateways", *a.gateways, [](cJSON* item, const GatewayProgress& p) {
            json::put(item, "gateway", p.gateway);
            json::put(item, "total", p.total);
            json::put(item, "ended", p.ended);
            json::put(item, "progress", p.progress);
        });
    put_wave(o, a.wave);
    put_links(o, a.links);
}

Expected<ResultsAnswer> results_answer_from_json(const cJSON* o) {
    ResultsAnswer a;
    FC_TRY(header, campaign_header_from_json(o));
    a.header = std::move(*header);
    FC_TRY(rows, rows_from_json(o, "devices", results_row_from_json, a.devices));
    FC_TRY(summary, summary_from_json(o));
    a.summary = std::move(*summary);
    std::uint64_t total = 0;
    FieldReader f(o);
    f.uint("pending", kMaxCount, a.pending).uint("total", kMaxCount, total);
    if (cJSON_GetObjectItemCaseSensitive(o, "offset")) {
        std::uint64_t offset = 0;
        f.uint("offset", kMaxCount, offset);
        a.offset = offset;
    }
    if (!f.ok()) return f.error();
    if (total != a.summary.total) return make_error("bad_answer", "total is not summary.total");
    FC_TRY(control, control_from_json(o));
    a.control = std::move(*control);
    if (cJSON_GetObjectItemCaseSensitive(o, "gateways")) {
        auto progress = [](const cJSON* item) -> Expected<GatewayProgress> {
            GatewayProgress p;
            FieldReader f(item);
            f.id("gateway", "gateway", p.gateway).uint("total", kMaxCount, p.total).uint("ended", kMaxCount, p.ended);
            if (!f.uint("progress", 100, p.progress).ok()) return f.error();
            return p;
        };
        a.gateways.emplace();
        FC_TRY(gws, rows_from_json(o, "gateways", progress, *a.gateways));
    }
    FC_TRY(wave, wave_from_json(o, a.wave));
    FC_TRY(links, links_from_json(o, a.links));
    return a;
}

// ---- device_detail ----------------------------------------------------------
void to_json(cJSON* o, const DeviceDetailAnswer& a) {
    to_json(o, a.device);
    rows_to_json(o, "history", a.history, [](cJSON* item, const DeviceHistoryRow& h) {
        json::put(item, "campaign", h.campaign);
        json::put(item, "campaign_state", h.campaign_state);
        put_mode_and_times(item, h.mode, h.update_at, h.transmit_at, h.expires_at);
        to_json(item, h.job);
    });
}

Expected<DeviceDetailAnswer> device_detail_answer_from_json(const cJSON* o) {
    DeviceDetailAnswer a;
    FC_TRY(device, device_row_from_json(o));
    a.device = std::move(*device);
    auto row = [](const cJSON* item) -> Expected<DeviceHistoryRow> {
        DeviceHistoryRow h;
        FieldReader f(item);
        if (!f.id("campaign", "campaign", h.campaign).text("campaign_state", 16, h.campaign_state).ok())
            return f.error();
        FC_TRY(plan, plan_from_json(item, h));
        FC_TRY(job, job_view_from_json(item));
        h.job = std::move(*job);
        return h;
    };
    FC_TRY(rows, rows_from_json(o, "history", row, a.history));
    return a;
}

// ---- gateway_table ----------------------------------------------------------
void to_json(cJSON* o, const GatewayTableAnswer& a) {
    json::put(o, "gateway", a.gateway);
    json::put(o, "status", a.status);
    json::put(o, "last_seen", a.last_seen);
    rows_to_json(o, "rows", a.rows, [](cJSON* item, const GatewayTableRow& r) {
        json::put(item, "device", r.device);
        json::put(item, "model", r.model);
        json::put(item, "campaign", r.campaign);
        put_campaign_times(item, r.update_at, r.transmit_at, r.expires_at);
        to_json(item, r.job);
    });
}

Expected<GatewayTableAnswer> gateway_table_answer_from_json(const cJSON* o) {
    GatewayTableAnswer a;
    FieldReader f(o);
    f.id("gateway", "gateway", a.gateway).text("status", 32, a.status).time("last_seen", a.last_seen);
    if (!f.ok()) return f.error();
    auto row = [](const cJSON* item) -> Expected<GatewayTableRow> {
        GatewayTableRow r;
        FieldReader f(item);
        f.id("device", "device", r.device).id("model", "model", r.model).id("campaign", "campaign", r.campaign);
        f.time("update_at", r.update_at).optional_time("transmit_at", r.transmit_at);
        if (!f.optional_time("expires_at", r.expires_at).ok()) return f.error();
        FC_TRY(job, job_view_from_json(item));
        r.job = std::move(*job);
        return r;
    };
    FC_TRY(rows, rows_from_json(o, "rows", row, a.rows));
    return a;
}

}  // namespace fleetcast
