// Device state, gateway -> device commands and device -> gateway events.
#include <algorithm>

#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

using detail::expect_type;

std::string_view to_string(DeviceStatus s) {
    switch (s) {
        case DeviceStatus::Idle: return "idle";
        case DeviceStatus::Busy: return "busy";
        case DeviceStatus::Updating: return "updating";
        case DeviceStatus::Error: return "error";
        case DeviceStatus::Offline: return "offline";
    }
    return "unknown";
}

Expected<DeviceStatus> device_status_from_string(std::string_view s) {
    for (auto st :
         {DeviceStatus::Idle, DeviceStatus::Busy, DeviceStatus::Updating, DeviceStatus::Error, DeviceStatus::Offline})
        if (to_string(st) == s) return st;
    return make_error("bad_value", "unknown device status '" + std::string(s.substr(0, 32)) + "'");
}

namespace {
void put_device_state(cJSON* o, const DeviceState& s) {
    json::put(o, "device", s.device);
    json::put(o, "gateway", s.gateway);
    json::put(o, "model", s.model);
    json::put(o, "status", to_string(s.status));
    json::put(o, "firmware", s.firmware);
    json::put(o, "at", s.at);
    if (!s.activity.empty()) json::put(o, "activity", s.activity);
    if (!s.service_call.empty()) json::put(o, "service_call", s.service_call);
    if (s.deferment) put_deferment(o, "deferment", *s.deferment);
}

Expected<DeviceState> device_state_from_json(const cJSON* o) {
    DeviceState s;
    FC_TRY(d, json::get_id(o, "device", "device"));
    FC_TRY(g, json::get_id(o, "gateway", "gateway"));
    FC_TRY(m, json::get_id(o, "model", "model"));
    FC_TRY(st, json::get_string(o, "status", 16));
    FC_TRY(status, device_status_from_string(*st));
    s.device = *d;
    s.gateway = *g;
    s.model = *m;
    s.status = *status;
    if (s.status != DeviceStatus::Offline) {
        FC_TRY(fw, json::get_versions(o, "firmware"));
        s.firmware = *fw;
        FC_TRY(at, json::get_time(o, "at"));
        s.at = *at;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "activity")) {
        FC_TRY(a, json::get_id(o, "activity", "activity"));
        s.activity = *a;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "service_call")) {
        FC_TRY(sc, json::get_string(o, "service_call", 1));
        if (!valid_service_call(*sc)) return make_error("bad_value", "service_call must be A, B, C or D");
        if (s.status != DeviceStatus::Error) return make_error("bad_value", "service_call without status error");
        s.service_call = *sc;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "deferment")) {
        FC_TRY(d, json::get_object(o, "deferment"));
        FC_TRY(p, deferment_from_json(*d));
        s.deferment = *p;
    }
    return s;
}
}  // namespace

void put_deferment(cJSON* obj, const char* key, const DefermentParam& p) {
    cJSON* d = cJSON_AddObjectToObject(obj, key);
    json::put(d, "value_ms", static_cast<std::uint64_t>(p.value.count()));
    json::put(d, "set_at", p.set_at);
}

Expected<DefermentParam> deferment_from_json(const cJSON* d) {
    FC_TRY(v, detail::millis_from_json(d, "value_ms", kMaxDeferment));
    FC_TRY(at, json::get_time(d, "set_at"));
    return DefermentParam{*v, *at};
}

std::string encode(const DeviceState& s) {
    auto j = Json::object();
    json::put(j.get(), "type", "device_state");
    put_device_state(j.get(), s);
    return j.dump();
}

Expected<DeviceState> decode_device_state(std::string_view text) {
    FC_TRY(j, Json::parse(text, 64 * 1024));
    auto st = expect_type(j->get(), "device_state");
    if (!st) return st.error();
    return device_state_from_json(j->get());
}

std::string encode_device_offline(std::string_view device, std::string_view gateway, std::string_view model) {
    auto j = Json::object();
    json::put(j.get(), "type", "device_state");
    json::put(j.get(), "device", device);
    json::put(j.get(), "gateway", gateway);
    json::put(j.get(), "model", model);
    json::put(j.get(), "status", "offline");
    return j.dump();
}

std::string encode(const DeviceSeenReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "device_seen");
    put_device_state(j.get(), r.state);
    return j.dump();
}

Expected<DeviceSeenReport> detail::device_seen_from_json(const cJSON* o) {
    FC_TRY(s, device_state_from_json(o));
    return DeviceSeenReport{*s};
}

// ---- commands ----------------------------------------------------------------
std::string encode(const OfferCmd& c) {
    auto j = Json::object();
    json::put(j.get(), "type", "offer");
    json::put(j.get(), "campaign", c.campaign);
    cJSON* fw = cJSON_AddArrayToObject(j.get(), "firmware");
    for (const auto& m : c.firmware) {
        cJSON* item = cJSON_CreateObject();
        to_json(item, m);
        cJSON_AddItemToArray(fw, item);
    }
    return j.dump();
}

std::string encode(const ExpireCmd& c) {
    auto j = Json::object();
    json::put(j.get(), "type", "expire");
    json::put(j.get(), "campaign", c.campaign);
    return j.dump();
}

std::string encode(const FanoutDoneCmd& c) {
    auto j = Json::object();
    json::put(j.get(), "type", "fanout_done");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "fw_id", c.fw_id);
    json::put(j.get(), "chunk_count", static_cast<std::uint64_t>(c.chunk_count));
    return j.dump();
}

Expected<DeviceCommand> decode_device_command(std::string_view text) {
    // Offers carry signed manifests with their chunk hash lists: up to the broker's 8 MiB packet limit.
    FC_TRY(j, Json::parse(text, 8 * 1024 * 1024));
    const cJSON* o = j->get();
    FC_TRY(type, detail::message_type(o));
    if (*type != "offer" && *type != "fanout_done" && *type != "expire")
        return detail::control_command_from_json(o, *type);
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    if (*type == "offer") {
        OfferCmd c;
        c.campaign = *campaign;
        FC_TRY(fw, json::get_array(o, "firmware", 64));
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, *fw) {
            if (!cJSON_IsObject(item)) return make_error("wrong_type", "a firmware item is not an object");
            FC_TRY(m, manifest_from_json(item));
            c.firmware.push_back(*m);
        }
        if (c.firmware.empty()) return make_error("bad_value", "offer without firmware");
        return DeviceCommand{c};
    }
    if (*type == "fanout_done") {
        FanoutDoneCmd c;
        c.campaign = *campaign;
        FC_TRY(fw, json::get_id(o, "fw_id", "firmware"));
        FC_TRY(cc, json::get_uint(o, "chunk_count", UINT32_MAX));
        c.fw_id = *fw;
        c.chunk_count = static_cast<std::uint32_t>(*cc);
        return DeviceCommand{c};
    }
    if (*type == "expire") return DeviceCommand{ExpireCmd{*campaign}};
    return make_error("unknown_type", "unknown device command type '" + *type + "'");
}

// ---- events ------------------------------------------------------------------
namespace {
// {"main":"<64 lowercase hex>",...}: the SHA-256 of each component's booted image.
Expected<ImageHashes> image_hashes_from_json(const cJSON* o, const char* key) {
    FC_TRY(obj, json::get_object(o, key));
    ImageHashes out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *obj) {
        if (out.size() >= 64)
            return make_error("too_large", std::string("field '") + key + "' has too many components");
        auto st = validate_id(item->string ? item->string : "", "component");
        if (!st) return st.error();
        if (!cJSON_IsString(item))
            return make_error("wrong_type", std::string(key) + " of '" + item->string + "' is not a string");
        if (!detail::is_sha256_hex(item->valuestring))
            return make_error("bad_value",
                              std::string(key) + " of '" + item->string + "' is not 64 lowercase hex digits");
        out[item->string] = item->valuestring;
    }
    return out;
}
}  // namespace

std::string encode(const ReadyEvent& e) {
    auto j = Json::object();
    json::put(j.get(), "type", "ready");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "fw_ids", e.fw_ids);
    if (e.boot_count) json::put(j.get(), "boot_count", *e.boot_count);
    if (!e.missing.empty()) {
        cJSON* arr = cJSON_AddArrayToObject(j.get(), "missing");
        for (const auto& [fw, ranges] : e.missing) {
            cJSON* item = cJSON_CreateObject();
            json::put(item, "fw_id", fw);
            put_ranges(item, "ranges", ranges);
            cJSON_AddItemToArray(arr, item);
        }
    }
    return j.dump();
}

std::string encode(const NeedEvent& e) {
    auto j = Json::object();
    json::put(j.get(), "type", "need");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "fw_id", e.fw_id);
    put_ranges(j.get(), "ranges", e.ranges);
    return j.dump();
}

std::string encode(const ProgressEvent& e) {
    auto j = Json::object();
    json::put(j.get(), "type", "progress");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "phase", e.phase);
    json::put(j.get(), "percent", static_cast<std::uint64_t>(e.percent));
    return j.dump();
}

std::string encode(const PowerOnEvent& e) {
    auto j = Json::object();
    json::put(j.get(), "type", "power_on");
    if (!e.campaign.empty()) json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "firmware", e.firmware);
    json::put(j.get(), "boot_count", e.boot_count);
    if (!e.image_sha256.empty()) json::put(j.get(), "image_sha256", e.image_sha256);
    return j.dump();
}

std::string encode(const ErrorEvent& e) {
    auto j = Json::object();
    json::put(j.get(), "type", "error");
    json::put(j.get(), "campaign", e.campaign);
    if (!e.fw_id.empty()) json::put(j.get(), "fw_id", e.fw_id);
    json::put(j.get(), "code", e.code);
    json::put(j.get(), "detail", e.detail);
    return j.dump();
}

Expected<DeviceEvent> decode_device_event(std::string_view text) {
    FC_TRY(j, Json::parse(text, 256 * 1024));
    const cJSON* o = j->get();
    FC_TRY(type, detail::message_type(o));
    if (*type == "power_on") {
        PowerOnEvent e;
        if (cJSON_GetObjectItemCaseSensitive(o, "campaign")) {
            FC_TRY(c, json::get_id(o, "campaign", "campaign"));
            e.campaign = *c;
        }
        FC_TRY(fw, json::get_versions(o, "firmware"));
        FC_TRY(bc, json::get_uint(o, "boot_count", UINT32_MAX));
        e.firmware = *fw;
        e.boot_count = *bc;
        if (cJSON_GetObjectItemCaseSensitive(o, "image_sha256")) {
            FC_TRY(hashes, image_hashes_from_json(o, "image_sha256"));
            e.image_sha256 = *hashes;
        }
        return DeviceEvent{e};
    }
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    if (*type == "ready") {
        FC_TRY(ids, json::get_id_list(o, "fw_ids", "firmware", 64));
        ReadyEvent e{*campaign, *ids};
        if (cJSON_GetObjectItemCaseSensitive(o, "boot_count")) {
            FC_TRY(bc, json::get_uint(o, "boot_count", UINT32_MAX));
            e.boot_count = *bc;
        }
        if (cJSON_GetObjectItemCaseSensitive(o, "missing")) {
            FC_TRY(arr, json::get_array(o, "missing", 64));
            const cJSON* item = nullptr;
            cJSON_ArrayForEach(item, *arr) {
                if (!cJSON_IsObject(item)) return make_error("wrong_type", "an item of 'missing' is not an object");
                FC_TRY(fw, json::get_id(item, "fw_id", "firmware"));
                if (std::find(e.fw_ids.begin(), e.fw_ids.end(), *fw) == e.fw_ids.end())
                    return make_error("unknown_firmware", "'missing' names " + *fw + ", which is not in fw_ids");
                FC_TRY(ranges, ranges_from_json(item, "ranges", UINT32_MAX));
                if (ranges->size() > kMaxReadyRanges)
                    return make_error("too_large", "more than " + std::to_string(kMaxReadyRanges) + " missing ranges");
                e.missing[*fw] = std::move(*ranges);
            }
        }
        return DeviceEvent{std::move(e)};
    }
    if (*type == "need") {
        FC_TRY(fw, json::get_id(o, "fw_id", "firmware"));
        FC_TRY(ranges, ranges_from_json(o, "ranges", UINT32_MAX));
        return DeviceEvent{NeedEvent{*campaign, *fw, *ranges}};
    }
    if (*type == "progress") {
        FC_TRY(phase, json::get_string(o, "phase", 32));
        FC_TRY(pct, json::get_uint(o, "percent", 100));
        return DeviceEvent{ProgressEvent{*campaign, *phase, static_cast<std::uint32_t>(*pct)}};
    }
    if (*type == "error") {
        ErrorEvent e;
        e.campaign = *campaign;
        if (cJSON_GetObjectItemCaseSensitive(o, "fw_id")) {
            FC_TRY(fw, json::get_id(o, "fw_id", "firmware"));
            e.fw_id = *fw;
        }
        FC_TRY(code, json::get_id(o, "code", "error code"));
        FC_TRY(det, json::get_string(o, "detail", 1024));
        e.code = *code;
        e.detail = *det;
        return DeviceEvent{e};
    }
    return detail::control_event_from_json(o, *type);
}

}  // namespace fleetcast
