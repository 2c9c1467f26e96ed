// Op names and the args of every operator request (topics.md).
#include <array>
#include <utility>

#include "common/message_fields.hpp"
#include "common/operator_messages.hpp"

namespace fleetcast {

namespace {
using Op = OperatorOp;
constexpr auto kOps = std::to_array<std::pair<Op, std::string_view>>({
    {Op::FirmwareAdd, "firmware_add"},
    {Op::FirmwareUploadBegin, "firmware_upload_begin"},
    {Op::FirmwareUploadPiece, "firmware_upload_piece"},
    {Op::FirmwareUploadCommit, "firmware_upload_commit"},
    {Op::FirmwareDelete, "firmware_delete"},
    {Op::FirmwareList, "firmware_list"},
    {Op::DeviceList, "device_list"},
    {Op::GatewayList, "gateway_list"},
    {Op::RateList, "rate_list"},
    {Op::CampaignCreate, "campaign_create"},
    {Op::Results, "results"},
    {Op::DeviceStatus, "device_status"},
    {Op::Targets, "targets"},
    {Op::Unregistered, "unregistered"},
    {Op::Defer, "defer"},
    {Op::Cancel, "cancel"},
    {Op::Suspend, "suspend"},
    {Op::Resume, "resume"},
    {Op::SetParam, "set_param"},
    {Op::CampaignList, "campaign_list"},
    {Op::DeviceDetail, "device_detail"},
    {Op::GatewayTable, "gateway_table"},
    {Op::CampaignPause, "campaign_pause"},
    {Op::CampaignResume, "campaign_resume"},
    {Op::CampaignCancel, "campaign_cancel"},
    {Op::GatewaySetWindow, "gateway_set_window"},
    {Op::GatewayClearWindow, "gateway_clear_window"},
    {Op::Audit, "audit"},
});

bool has(const cJSON* o, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(o, key);
    return f && !cJSON_IsNull(f);
}

Expected<std::string> device_id(const cJSON* o) { return json::get_id(o, "device", "device"); }
Expected<std::string> campaign_id(const cJSON* o) { return json::get_id(o, "campaign", "campaign"); }

void put_page(cJSON* o, const PageArgs& p) {
    if (p.offset != 0) json::put(o, "offset", p.offset);
    if (p.limit != kResultsPageMax) json::put(o, "limit", p.limit);
}
}  // namespace

std::string_view to_string(OperatorOp op) {
    for (const auto& [o, name] : kOps)
        if (o == op) return name;
    return "unknown";
}

Expected<OperatorOp> operator_op_from_string(std::string_view name) {
    std::string all;
    for (const auto& [op, n] : kOps) {
        if (n == name) return op;
        all += (all.empty() ? "" : ", ") + std::string(n);
    }
    return make_error("bad_args", "unknown op '" + std::string(name) + "' (" + all + ")");
}

// ---- encoders (the CLI's requests) ------------------------------------------
void to_json(cJSON* o, const FirmwareAddArgs& a) {
    json::put(o, "path", a.path);
    put_firmware_metadata(o, a);
}
void put_firmware_metadata(cJSON* o, const FirmwareAddArgs& a) {
    json::put(o, "model", a.model);
    json::put(o, "component", a.component);
    json::put(o, "version", a.version);
    if (a.chunk_size) json::put(o, "chunk_size", std::uint64_t{*a.chunk_size});
    if (a.allow_downgrade) json::put(o, "allow_downgrade", true);
}
void to_json(cJSON* o, const ResultsArgs& a) {
    json::put(o, "campaign", a.campaign);
    put_page(o, a.page);
    if (a.by_gateway) json::put(o, "by_gateway", true);
    if (a.device) json::put(o, "device", *a.device);
}
void to_json(cJSON* o, const TargetsArgs& a) {
    json::put(o, "campaign", a.campaign);
    put_page(o, a.page);
}
void to_json(cJSON* o, const CampaignArgs& a) { json::put(o, "campaign", a.campaign); }
void to_json(cJSON* o, const DeviceArgs& a) { json::put(o, "device", a.device); }
void to_json(cJSON* o, const GatewayArgs& a) { json::put(o, "gateway", a.gateway); }
void to_json(cJSON* o, const DeferArgs& a) {
    json::put(o, "device", a.device);
    if (a.by) json::put(o, "by_ms", static_cast<std::uint64_t>(a.by->count()));
}
void to_json(cJSON* o, const SetParamArgs& a) {
    json::put(o, "device", a.device);
    json::put(o, "name", a.name);
    json::put(o, "value_ms", static_cast<std::uint64_t>(a.value.count()));
}
void to_json(cJSON* o, const CampaignListArgs& a) {
    json::put(o, "limit", a.limit);
    if (a.campaign) json::put(o, "campaign", *a.campaign);
}

// ---- decoders (the manager's side) -------------------------------------------
Expected<FirmwareAddArgs> firmware_add_args_from_json(const cJSON* o) {
    FirmwareAddArgs a;
    FC_TRY(path, json::get_string(o, "path", 4096));
    a.path = *path;
    FC_TRY(metadata, firmware_metadata_from_json(o, a));
    return a;
}

Status firmware_metadata_from_json(const cJSON* o, FirmwareAddArgs& a) {
    FC_TRY(model, json::get_id(o, "model", "model"));
    a.model = *model;
    FC_TRY(component, json::get_id(o, "component", "component"));
    a.component = *component;
    FC_TRY(version, json::get_version(o, "version"));
    a.version = *version;
    if (has(o, "chunk_size")) {
        FC_TRY(cs, json::get_uint(o, "chunk_size", kMaxChunkSize));
        a.chunk_size = static_cast<std::uint32_t>(*cs);
    }
    if (has(o, "allow_downgrade")) {
        FC_TRY(ad, json::get_bool(o, "allow_downgrade"));
        a.allow_downgrade = *ad;
    }
    return ok_status();
}

Expected<PageArgs> page_args_from_json(const cJSON* o) {
    PageArgs p;
    if (has(o, "offset")) {
        FC_TRY(v, json::get_uint(o, "offset", 1ULL << 40));
        p.offset = *v;
    }
    if (has(o, "limit")) {
        FC_TRY(v, json::get_uint(o, "limit", kResultsPageMax));
        p.limit = *v;
    }
    return p;
}

Expected<ResultsArgs> results_args_from_json(const cJSON* o) {
    FC_TRY(campaign, campaign_id(o));
    FC_TRY(page, page_args_from_json(o));
    ResultsArgs a{*campaign, *page, false, std::nullopt};
    if (has(o, "by_gateway")) {
        FC_TRY(by, json::get_bool(o, "by_gateway"));
        a.by_gateway = *by;
    }
    if (has(o, "device")) {
        FC_TRY(device, device_id(o));
        a.device = *device;
    }
    return a;
}

Expected<TargetsArgs> targets_args_from_json(const cJSON* o) {
    FC_TRY(campaign, campaign_id(o));
    FC_TRY(page, page_args_from_json(o));
    return TargetsArgs{*campaign, *page};
}

Expected<CampaignArgs> campaign_args_from_json(const cJSON* o) {
    FC_TRY(campaign, campaign_id(o));
    return CampaignArgs{*campaign};
}

Expected<DeviceArgs> device_args_from_json(const cJSON* o) {
    FC_TRY(device, device_id(o));
    return DeviceArgs{*device};
}

Expected<GatewayArgs> gateway_args_from_json(const cJSON* o) {
    FC_TRY(gateway, json::get_id(o, "gateway", "gateway"));
    return GatewayArgs{*gateway};
}

Expected<DeferArgs> defer_args_from_json(const cJSON* o) {
    FC_TRY(device, device_id(o));
    DeferArgs a{*device, std::nullopt};
    if (has(o, "by_ms")) {
        FC_TRY(by, json::get_uint(o, "by_ms", static_cast<std::uint64_t>(kMaxDeferment.count())));
        if (*by == 0) return make_error("bad_args", "by_ms must be positive");
        a.by = Millis(static_cast<Millis::rep>(*by));
    }
    return a;
}

Expected<SetParamArgs> set_param_args_from_json(const cJSON* o) {
    FC_TRY(device, device_id(o));
    FC_TRY(name, json::get_id(o, "name", "parameter"));
    if (*name != "deferment") return make_error("bad_args", "unknown parameter '" + *name + "' (deferment)");
    FC_TRY(value, json::get_uint(o, "value_ms", static_cast<std::uint64_t>(kMaxDeferment.count())));
    return SetParamArgs{*device, *name, Millis(static_cast<Millis::rep>(*value))};
}

Expected<CampaignListArgs> campaign_list_args_from_json(const cJSON* o) {
    CampaignListArgs a;
    if (cJSON_GetObjectItemCaseSensitive(o, "limit")) {
        FC_TRY(limit, json::get_uint(o, "limit", kMaxCampaignListLimit));
        a.limit = *limit;
    }
    if (has(o, "campaign")) {
        FC_TRY(campaign, campaign_id(o));
        a.campaign = *campaign;
    }
    return a;
}

}  // namespace fleetcast
