// Registry and campaign-target views of the operator API: one encoder and one
// strict decoder per answer (common/operator_views.hpp).
#include "common/operator_views.hpp"

#include "common/wave_plan.hpp"

#include "common/field_reader.hpp"
#include "common/json_rows.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

namespace {

constexpr std::size_t kMaxText = 4096;
constexpr std::uint64_t kMaxRowCount = kMaxViewRows * 100;

void put_device_row(cJSON* o, const DeviceRow& d) {
    json::put(o, "device", d.device);
    json::put(o, "gateway", d.gateway);
    json::put(o, "model", d.model);
    json::put(o, "status", d.status);
    json::put(o, "firmware", d.firmware);
    json::put(o, "last_seen", d.last_seen);
}

}  // namespace

// ---- firmware_list ----------------------------------------------------------
void to_json(cJSON* o, const FirmwareListAnswer& a) {
    rows_to_json(o, "firmware", a.firmware, [](cJSON* item, const FirmwareListRow& r) {
        to_json(item, r.manifest);
        json::put(item, "added_at", r.added_at);
        json::put(item, "campaigns", r.campaigns);
    });
    rows_to_json(o, "given_up", a.given_up, [](cJSON* item, const GivenUpArtifact& g) {
        json::put(item, "source_fw", g.source_fw);
        json::put(item, "source_version", g.source_version);
        json::put(item, "target_fw", g.target_fw);
        json::put(item, "reason", g.reason);
        json::put(item, "bytes", g.bytes);
        json::put(item, "image_bytes", g.image_bytes);
        json::put(item, "at", g.at);
    });
}

Expected<FirmwareListAnswer> firmware_list_answer_from_json(const cJSON* o) {
    FirmwareListAnswer a;
    auto row = [](const cJSON* item) -> Expected<FirmwareListRow> {
        FirmwareListRow r;
        FC_TRY(m, manifest_from_json(item));
        r.manifest = std::move(*m);
        if (FieldReader f(item); !f.time("added_at", r.added_at).ok()) return f.error();
        FC_TRY(campaigns, json::get_id_list(item, "campaigns", "campaign", kMaxViewRows));
        r.campaigns = std::move(*campaigns);
        return r;
    };
    FC_TRY(rows, rows_from_json(o, "firmware", row, a.firmware));
    if (!cJSON_HasObjectItem(o, "given_up")) return a;
    auto given_up = [](const cJSON* item) -> Expected<GivenUpArtifact> {
        GivenUpArtifact g;
        FieldReader f(item);
        f.text("source_fw", 64, g.source_fw).text("source_version", 64, g.source_version);
        f.text("target_fw", 64, g.target_fw).text("reason", 1024, g.reason);
        f.uint("bytes", kMaxImageSize * 2, g.bytes).uint("image_bytes", kMaxImageSize, g.image_bytes).time("at", g.at);
        if (!f.ok()) return f.error();
        return g;
    };
    FC_TRY(gone, rows_from_json(o, "given_up", given_up, a.given_up));
    return a;
}

// ---- firmware_delete --------------------------------------------------------
void to_json(cJSON* o, const FirmwareArgs& a) { json::put(o, "fw", a.fw); }

Expected<FirmwareArgs> firmware_args_from_json(const cJSON* o) {
    FC_TRY(fw, json::get_id(o, "fw", "firmware"));
    return FirmwareArgs{*fw};
}

void to_json(cJSON* o, const FirmwareDeleted& a) {
    json::put(o, "fw", a.fw);
    json::put(o, "sha256", a.sha256);
    json::put(o, "image_removed", a.image_removed);
}

Expected<FirmwareDeleted> firmware_deleted_from_json(const cJSON* o) {
    FirmwareDeleted a;
    FieldReader f(o);
    if (!f.id("fw", "firmware", a.fw).text("sha256", 64, a.sha256).flag("image_removed", a.image_removed).ok())
        return f.error();
    return a;
}

// ---- device_list ------------------------------------------------------------
void to_json(cJSON* o, const DeviceRow& d) {
    put_device_row(o, d);
    if (d.deferment) put_deferment(o, "deferment", *d.deferment);
}

Expected<DeviceRow> device_row_from_json(const cJSON* o) {
    DeviceRow d;
    FieldReader f(o);
    f.id("device", "device", d.device).id("gateway", "gateway", d.gateway).id("model", "model", d.model);
    f.text("status", 32, d.status).versions("firmware", d.firmware).time("last_seen", d.last_seen);
    if (!f.ok()) return f.error();
    if (cJSON_GetObjectItemCaseSensitive(o, "deferment")) {
        FC_TRY(obj, json::get_object(o, "deferment"));
        FC_TRY(p, deferment_from_json(*obj));
        d.deferment = *p;
    }
    return d;
}

void to_json(cJSON* o, const DeviceListAnswer& a) {
    rows_to_json(o, "devices", a.devices, [](cJSON* item, const DeviceRow& d) { to_json(item, d); });
}

Expected<DeviceListAnswer> device_list_answer_from_json(const cJSON* o) {
    DeviceListAnswer a;
    FC_TRY(rows, rows_from_json(o, "devices", device_row_from_json, a.devices));
    return a;
}

// ---- gateway_list -----------------------------------------------------------
void to_json(cJSON* o, const GatewayListAnswer& a) {
    rows_to_json(o, "gateways", a.gateways, [](cJSON* item, const GatewayRow& g) {
        json::put(item, "gateway", g.gateway);
        json::put(item, "status", g.status);
        json::put(item, "last_seen", g.last_seen);
        if (g.window) to_json(cJSON_AddObjectToObject(item, "window"), *g.window);
    });
}

Expected<GatewayListAnswer> gateway_list_answer_from_json(const cJSON* o) {
    GatewayListAnswer a;
    auto row = [](const cJSON* item) -> Expected<GatewayRow> {
        GatewayRow g;
        FieldReader f(item);
        f.id("gateway", "gateway", g.gateway).text("status", 32, g.status).time("last_seen", g.last_seen);
        if (!f.ok()) return f.error();
        if (const cJSON* w = cJSON_GetObjectItemCaseSensitive(item, "window"); w && !cJSON_IsNull(w)) {
            auto v = gateway_window_view_from_json(w);
            if (!v) return v.error().with_context("window");
            g.window = *v;
        }
        return g;
    };
    FC_TRY(rows, rows_from_json(o, "gateways", row, a.gateways));
    return a;
}

// ---- rate_list --------------------------------------------------------------
void to_json(cJSON* o, const RateListAnswer& a) {
    rows_to_json(o, "rates", a.rates, [](cJSON* item, const RateRow& r) {
        json::put(item, "gateway", r.gateway);
        json::put(item, "link", r.device.empty() ? "manager" : "device");
        if (!r.device.empty()) json::put(item, "device", r.device);
        json::put(item, "bytes", r.bytes);
        json::put(item, "millis", r.millis);
        json::put(item, "bytes_per_s", r.bytes_per_s);
        json::put(item, "source", r.source);
        json::put(item, "at", r.at);
    });
}

Expected<RateListAnswer> rate_list_answer_from_json(const cJSON* o) {
    RateListAnswer a;
    auto row = [](const cJSON* item) -> Expected<RateRow> {
        RateRow r;
        std::string link;
        constexpr std::uint64_t kMax = UINT64_MAX / 2;
        FieldReader f(item);
        f.id("gateway", "gateway", r.gateway).text("link", 16, link).uint("bytes", kMax, r.bytes);
        f.uint("millis", kMax, r.millis).uint("bytes_per_s", kMax, r.bytes_per_s).text("source", 32, r.source);
        f.time("at", r.at);
        if (f.ok() && link == "device") f.id("device", "device", r.device);
        if (!f.ok()) return f.error();
        if (link != "device" && link != "manager")
            return make_error("bad_answer", "link must be manager or device, not '" + link + "'");
        return r;
    };
    FC_TRY(rows, rows_from_json(o, "rates", row, a.rates));
    return a;
}

// ---- targets ----------------------------------------------------------------
void to_json(cJSON* o, const TargetsAnswer& a) {
    json::put(o, "campaign", a.campaign);
    json::put(o, "mode", a.mode);
    json::put(o, "total", a.total);
    json::put(o, "offset", a.offset);
    rows_to_json(o, "devices", a.devices, [](cJSON* item, const TargetRow& t) {
        json::put(item, "device", t.device);
        json::put(item, "model", t.model);
        json::put(item, "serial", t.serial);
        json::put(item, "gateway", t.gateway);
        json::put(item, "transmit_at", t.transmit_at);
        json::put(item, "update_at", t.update_at);
        rows_to_json(item, "changes", t.changes, [](cJSON* ch, const VersionChange& c) {
            json::put(ch, "component", c.component);
            json::put(ch, "old", c.old_version);
            json::put(ch, "new", c.new_version);
        });
        if (t.wave > 0) json::put(item, "wave", t.wave);
    });
}

Expected<TargetsAnswer> targets_answer_from_json(const cJSON* o) {
    TargetsAnswer a;
    FieldReader f(o);
    f.id("campaign", "campaign", a.campaign).text("mode", 16, a.mode).uint("total", kMaxRowCount, a.total);
    if (cJSON_GetObjectItemCaseSensitive(o, "offset")) f.uint("offset", kMaxRowCount, a.offset);  // not in joined pages
    if (!f.ok()) return f.error();
    auto change = [](const cJSON* ch) -> Expected<VersionChange> {
        VersionChange c;
        FieldReader f(ch);
        f.id("component", "component", c.component).text("old", kMaxText, c.old_version);
        if (!f.version("new", c.new_version).ok()) return f.error();
        return c;
    };
    auto row = [&change](const cJSON* item) -> Expected<TargetRow> {
        TargetRow t;
        FieldReader f(item);
        f.id("device", "device", t.device).id("model", "model", t.model).text("serial", kMaxText, t.serial);
        f.id("gateway", "gateway", t.gateway).time("transmit_at", t.transmit_at).time("update_at", t.update_at);
        if (cJSON_GetObjectItemCaseSensitive(item, "wave")) f.uint("wave", kMaxWaves, t.wave);
        if (!f.ok()) return f.error();
        FC_TRY(changes, rows_from_json(item, "changes", change, t.changes));
        return t;
    };
    FC_TRY(rows, rows_from_json(o, "devices", row, a.devices));
    return a;
}

// ---- unregistered -----------------------------------------------------------
void to_json(cJSON* o, const UnregisteredAnswer& a) {
    json::put(o, "campaign", a.campaign);
    json::put(o, "total", a.total);
    rows_to_json(o, "devices", a.devices, [](cJSON* item, const SkippedRow& s) {
        json::put(item, "device", s.device);
        json::put(item, "reason", s.reason);
    });
}

Expected<UnregisteredAnswer> unregistered_answer_from_json(const cJSON* o) {
    UnregisteredAnswer a;
    if (FieldReader f(o); !f.id("campaign", "campaign", a.campaign).uint("total", kMaxRowCount, a.total).ok())
        return f.error();
    auto row = [](const cJSON* item) -> Expected<SkippedRow> {
        SkippedRow s;
        FieldReader f(item);  // the device as the operator named it: maybe not a valid id
        if (!f.text("device", kMaxText, s.device).text("reason", kMaxText, s.reason).ok()) return f.error();
        return s;
    };
    FC_TRY(rows, rows_from_json(o, "devices", row, a.devices));
    return a;
}

// ---- device_status ----------------------------------------------------------
void to_json(cJSON* o, const DeviceStatusAnswer& a) {
    json::put(o, "now", a.now);
    put_device_row(o, a.device);
    json::put(o, "campaign", a.latest ? a.latest->campaign : std::string());
    json::put(o, "phase", a.phase);
    json::put(o, "settled", a.settled);
    if (!a.latest) return;
    to_json(o, a.latest->job);
    json::put(o, "update_at", a.latest->update_at);
    json::put(o, "expected_end", a.latest->expected_end);
}

Expected<DeviceStatusAnswer> device_status_answer_from_json(const cJSON* o) {
    DeviceStatusAnswer a;
    FC_TRY(device, device_row_from_json(o));
    a.device = std::move(*device);
    a.device.deferment.reset();
    std::string campaign;
    FieldReader f(o);
    f.time("now", a.now).text("phase", 32, a.phase).flag("settled", a.settled).text("campaign", 128, campaign);
    if (!f.ok()) return f.error();
    if (campaign.empty()) return a;  // no campaign targets the device
    DeviceStatusJob latest;
    f.id("campaign", "campaign", latest.campaign).time("update_at", latest.update_at);
    if (!f.optional_time("expected_end", latest.expected_end).ok()) return f.error();
    FC_TRY(job, job_view_from_json(o));
    latest.job = std::move(*job);
    a.latest = std::move(latest);
    return a;
}

}  // namespace fleetcast
