// Manifests, chunk ranges, schedules and fetch requests.
#include <cstring>
#include <map>

#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

namespace detail {
Expected<std::string> message_type(const cJSON* obj) { return json::get_string(obj, "type", 64); }

Status expect_type(const cJSON* obj, const char* type) {
    auto t = message_type(obj);
    if (!t) return t.error();
    if (*t != type)
        return make_error("wrong_type", std::string("expected message type '") + type + "', got '" + *t + "'");
    return ok_status();
}
}  // namespace detail

using detail::expect_type;

namespace {
bool is_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}
bool is_hex64(const std::string& s) { return s.size() == 64 && is_hex(s); }
}  // namespace

bool detail::is_sha256_hex(std::string_view s) { return s.size() == 64 && is_hex(s); }

namespace {
Digest digest_from_hex(std::string_view hex) {
    Digest d{};
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < d.size(); ++i)
        d[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
    return d;
}

// Issue 17: {"codec":"zstd","source_sha256":…,"source_version":…,"target_sha256":…,"target_size":…}.
Expected<ArtifactEncoding> encoding_from_json(const cJSON* o) {
    if (!cJSON_IsObject(o)) return make_error("bad_manifest", "encoding is not an object");
    ArtifactEncoding e;
    FC_TRY(codec, json::get_string(o, "codec", 16));
    if (*codec != "zstd") return make_error("bad_manifest", "encoding codec must be zstd, got '" + *codec + "'");
    FC_TRY(target, json::get_string(o, "target_sha256", 64));
    FC_TRY(size, json::get_uint(o, "target_size", kMaxImageSize));
    if (!is_hex64(*target)) return make_error("bad_manifest", "target_sha256 is not 64 lowercase hex digits");
    if (*size == 0) return make_error("bad_manifest", "target_size is 0");
    e.target_sha256 = *target;
    e.target_size = *size;
    if (cJSON_GetObjectItemCaseSensitive(o, "source_sha256")) {
        FC_TRY(source, json::get_string(o, "source_sha256", 64));
        if (!is_hex64(*source)) return make_error("bad_manifest", "source_sha256 is not 64 lowercase hex digits");
        FC_TRY(version, json::get_version(o, "source_version"));
        e.source_sha256 = *source;
        e.source_version = *version;
    }
    return e;
}

// chunk_sha256, expires_at, key_id, signature: each optional, each checked when present.
Status signed_fields_from_json(const cJSON* o, FirmwareManifest& m) {
    if (cJSON_GetObjectItemCaseSensitive(o, "chunk_sha256")) {
        if (m.chunk_count > kMaxManifestChunks)
            return make_error("bad_manifest", "more than " + std::to_string(kMaxManifestChunks) + " chunks");
        auto hex = json::get_string(o, "chunk_sha256", std::size_t{kMaxManifestChunks} * 64);
        if (!hex) return hex.error();
        if (hex->size() != std::size_t{m.chunk_count} * 64 || !is_hex(*hex))
            return make_error("bad_manifest", "chunk_sha256 is not 64 lowercase hex digits per chunk");
        m.chunk_sha256.reserve(m.chunk_count);
        for (std::size_t i = 0; i < m.chunk_count; ++i)
            m.chunk_sha256.push_back(digest_from_hex(std::string_view(*hex).substr(i * 64, 64)));
    }
    if (const cJSON* e = cJSON_GetObjectItemCaseSensitive(o, "encoding")) {
        auto enc = encoding_from_json(e);
        if (!enc) return enc.error();
        m.encoding = std::move(*enc);
    }
    auto exp = json::get_optional_time(o, "expires_at");
    if (!exp) return exp.error();
    m.expires_at = *exp;
    if (cJSON_GetObjectItemCaseSensitive(o, "key_id")) {
        auto k = json::get_string(o, "key_id", 16);
        if (!k) return k.error();
        if (k->size() != 16 || !is_hex(*k)) return make_error("bad_manifest", "key_id is not 16 hex digits");
        m.key_id = *k;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "signature")) {
        auto sig = json::get_string(o, "signature", 128);
        if (!sig) return sig.error();
        if (sig->size() != 128 || !is_hex(*sig)) return make_error("bad_manifest", "signature is not 128 hex digits");
        m.signature = *sig;
    }
    return ok_status();
}
}  // namespace

std::uint32_t chunk_count_for(std::uint64_t size, std::uint32_t chunk_size) {
    if (chunk_size == 0) return 0;
    return static_cast<std::uint32_t>((size + chunk_size - 1) / chunk_size);
}

void to_json(cJSON* o, const FirmwareManifest& m) {
    json::put(o, "fw_id", m.fw_id);
    json::put(o, "model", m.model);
    json::put(o, "component", m.component);
    json::put(o, "version", m.version);
    json::put(o, "size", m.size);
    json::put(o, "sha256", m.sha256);
    json::put(o, "chunk_size", static_cast<std::uint64_t>(m.chunk_size));
    json::put(o, "chunk_count", static_cast<std::uint64_t>(m.chunk_count));
    json::put(o, "allow_downgrade", m.allow_downgrade);
    if (!m.chunk_sha256.empty()) {
        std::string hex;
        hex.reserve(m.chunk_sha256.size() * 64);
        for (const auto& d : m.chunk_sha256) hex += to_hex(d);
        json::put(o, "chunk_sha256", hex);
    }
    if (m.encoding) {
        auto e = Json::object();
        json::put(e.get(), "codec", m.encoding->codec);
        if (!m.encoding->source_sha256.empty()) {
            json::put(e.get(), "source_sha256", m.encoding->source_sha256);
            json::put(e.get(), "source_version", m.encoding->source_version);
        }
        json::put(e.get(), "target_sha256", m.encoding->target_sha256);
        json::put(e.get(), "target_size", m.encoding->target_size);
        cJSON_AddItemToObject(o, "encoding", e.release());
    }
    json::put(o, "expires_at", m.expires_at);
    if (!m.key_id.empty()) json::put(o, "key_id", m.key_id);
    if (!m.signature.empty()) json::put(o, "signature", m.signature);
}

Expected<FirmwareManifest> manifest_from_json(const cJSON* o) {
    FirmwareManifest m;
    FC_TRY(fw, json::get_id(o, "fw_id", "firmware"));
    FC_TRY(model, json::get_id(o, "model", "model"));
    FC_TRY(comp, json::get_id(o, "component", "component"));
    FC_TRY(ver, json::get_version(o, "version"));
    FC_TRY(size, json::get_uint(o, "size", kMaxImageSize));
    FC_TRY(sha, json::get_string(o, "sha256", 64));
    FC_TRY(cs, json::get_uint(o, "chunk_size", kMaxChunkSize));
    FC_TRY(cc, json::get_uint(o, "chunk_count", UINT32_MAX));
    m.fw_id = *fw;
    m.model = *model;
    m.component = *comp;
    m.version = *ver;
    m.size = *size;
    m.sha256 = *sha;
    m.chunk_size = static_cast<std::uint32_t>(*cs);
    m.chunk_count = static_cast<std::uint32_t>(*cc);
    if (!is_hex64(m.sha256)) return make_error("bad_manifest", "sha256 is not 64 lowercase hex digits");
    if (m.chunk_size < 1024) return make_error("bad_manifest", "chunk_size below 1024");
    if (m.size == 0) return make_error("bad_manifest", "image size is 0");
    if (m.chunk_count != chunk_count_for(m.size, m.chunk_size))
        return make_error("bad_manifest", "chunk_count does not match size / chunk_size");
    if (cJSON_GetObjectItemCaseSensitive(o, "allow_downgrade")) {
        FC_TRY(ad, json::get_bool(o, "allow_downgrade"));
        m.allow_downgrade = *ad;
    }
    auto signed_part = signed_fields_from_json(o, m);
    if (!signed_part) return signed_part.error();
    return m;
}

std::string encode(const FirmwareManifest& m) {
    auto j = Json::object();
    json::put(j.get(), "type", "manifest");
    to_json(j.get(), m);
    return j.dump();
}

Expected<FirmwareManifest> decode_manifest(std::string_view text) {
    FC_TRY(j, Json::parse(text));
    auto st = expect_type(j->get(), "manifest");
    if (!st) return st.error();
    return manifest_from_json(j->get());
}

Expected<std::vector<ChunkRange>> ranges_from_json(const cJSON* obj, const char* key, std::uint32_t chunk_count) {
    FC_TRY(arr, json::get_array(obj, key, kMaxRanges));
    std::vector<ChunkRange> out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *arr) {
        if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2)
            return make_error("wrong_type", std::string("an item of '") + key + "' is not a [first,last] pair");
        const cJSON* a = cJSON_GetArrayItem(item, 0);
        const cJSON* b = cJSON_GetArrayItem(item, 1);
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble < 0 || b->valuedouble < a->valuedouble ||
            b->valuedouble >= static_cast<double>(chunk_count) ||
            a->valuedouble != static_cast<double>(static_cast<std::uint32_t>(a->valuedouble)) ||
            b->valuedouble != static_cast<double>(static_cast<std::uint32_t>(b->valuedouble)))
            return make_error("out_of_range", std::string("a range of '") + key + "' is out of bounds");
        out.push_back({static_cast<std::uint32_t>(a->valuedouble), static_cast<std::uint32_t>(b->valuedouble)});
    }
    return out;
}

void put_ranges(cJSON* obj, const char* key, const std::vector<ChunkRange>& ranges) {
    cJSON* arr = cJSON_AddArrayToObject(obj, key);
    for (const auto& r : ranges) {
        cJSON* pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(r.first));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(r.last));
        cJSON_AddItemToArray(arr, pair);
    }
}

void put_retry_policy(cJSON* obj, const char* key, const RetryPolicy& r) {
    cJSON* retry = cJSON_AddObjectToObject(obj, key);
    json::put(retry, "max", std::uint64_t{r.max_retries});
    json::put(retry, "backoff_ms", static_cast<std::uint64_t>(r.backoff.count()));
    json::put(retry, "power_on_timeout_ms", static_cast<std::uint64_t>(r.power_on_timeout.count()));
}

Expected<RetryPolicy> retry_policy_from_json(const cJSON* obj) {
    if (!cJSON_IsObject(obj)) return make_error("wrong_type", "retry must be an object");
    RetryPolicy r;
    constexpr std::uint64_t kDay = 24ULL * 3600 * 1000;
    FC_TRY(max, json::get_uint(obj, "max", kMaxRetries));
    r.max_retries = static_cast<std::uint32_t>(*max);
    FC_TRY(backoff, json::get_uint(obj, "backoff_ms", kDay));
    r.backoff = Millis(static_cast<std::int64_t>(*backoff));
    FC_TRY(pot, json::get_uint(obj, "power_on_timeout_ms", kDay));
    if (*pot == 0) return make_error("bad_value", "power_on_timeout_ms must be positive");
    r.power_on_timeout = Millis(static_cast<std::int64_t>(*pot));
    return r;
}

std::string_view to_string(TransferMode m) { return m == TransferMode::Pull ? "pull" : "push"; }

Expected<TransferMode> transfer_mode_from_string(std::string_view name) {
    if (name == "pull") return TransferMode::Pull;
    if (name == "push") return TransferMode::Push;
    return make_error("bad_value", "mode must be pull or push, got '" + std::string(name) + "'");
}

std::string encode(const Schedule& s) {
    auto j = Json::object();
    cJSON* o = j.get();
    json::put(o, "type", "schedule");
    json::put(o, "campaign", s.campaign);
    json::put(o, "mode", to_string(s.mode));
    json::put(o, "update_at", s.update_at);
    json::put(o, "transmit_at", s.transmit_at);
    json::put(o, "expires_at", s.expires_at);
    put_retry_policy(o, "retry", s.retry);
    if (s.limits.any()) to_json(cJSON_AddObjectToObject(o, "limits"), s.limits);
    cJSON* fw = cJSON_AddArrayToObject(o, "firmware");
    for (const auto& m : s.firmware) {
        cJSON* item = cJSON_CreateObject();
        to_json(item, m);
        cJSON_AddItemToArray(fw, item);
    }
    // Issue 20: the devices grouped by (model, images), each group listing
    // only device ids, in order of first appearance: ~15 bytes per device
    // instead of ~66, so a 200,000-device site fits the broker's packet limit.
    cJSON* groups = cJSON_AddArrayToObject(o, "groups");
    std::map<std::pair<std::string, std::vector<std::string>>, cJSON*> by_kind;
    for (const auto& d : s.devices) {
        auto& ids = by_kind[{d.model, d.fw_ids}];
        if (!ids) {
            cJSON* g = cJSON_CreateObject();
            json::put(g, "model", d.model);
            json::put(g, "fw_ids", d.fw_ids);
            ids = cJSON_AddArrayToObject(g, "devices");
            cJSON_AddItemToArray(groups, g);
        }
        cJSON_AddItemToArray(ids, cJSON_CreateString(d.device.c_str()));
    }
    return j.dump();
}

Expected<detail::CampaignPlanFields> detail::campaign_plan_from_json(const cJSON* o) {
    CampaignPlanFields p;
    FC_TRY(mode_name, json::get_string(o, "mode", 8));
    FC_TRY(mode, transfer_mode_from_string(*mode_name));
    p.mode = *mode;
    FC_TRY(update_at, json::get_time(o, "update_at"));
    p.update_at = *update_at;
    FC_TRY(transmit_at, json::get_optional_time(o, "transmit_at"));
    p.transmit_at = *transmit_at;
    FC_TRY(expires_at, json::get_optional_time(o, "expires_at"));
    p.expires_at = *expires_at;
    return p;
}

Expected<Schedule> decode_schedule(std::string_view text) {
    FC_TRY(j, Json::parse(text, 64 * 1024 * 1024));
    const cJSON* o = j->get();
    auto st = expect_type(o, "schedule");
    if (!st) return st.error();
    Schedule s;
    FC_TRY(c, json::get_id(o, "campaign", "campaign"));
    s.campaign = *c;
    FC_TRY(plan, detail::campaign_plan_from_json(o));
    s.mode = plan->mode;
    s.update_at = plan->update_at;
    s.transmit_at = plan->transmit_at;
    s.expires_at = plan->expires_at;
    if (const cJSON* retry = cJSON_GetObjectItemCaseSensitive(o, "retry"); retry && !cJSON_IsNull(retry)) {
        auto r = retry_policy_from_json(retry);
        if (!r) return r.error().with_context("retry");
        s.retry = *r;
    }
    if (const cJSON* limits = cJSON_GetObjectItemCaseSensitive(o, "limits"); limits && !cJSON_IsNull(limits)) {
        auto l = gateway_limits_from_json(limits);
        if (!l) return l.error().with_context("limits");
        s.limits = *l;
    }
    FC_TRY(fw, json::get_array(o, "firmware", 1024));
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *fw) {
        if (!cJSON_IsObject(item)) return make_error("wrong_type", "a firmware item is not an object");
        auto m = manifest_from_json(item);
        if (!m) return m.error().with_context("firmware item");
        s.firmware.push_back(std::move(*m));
    }
    auto known = [&](const std::vector<std::string>& ids) -> Status {
        for (const auto& id : ids) {
            bool found = false;
            for (const auto& m2 : s.firmware) found = found || m2.fw_id == id;
            if (!found) return make_error("bad_schedule", "unknown firmware " + id);
        }
        return ok_status();
    };
    // "groups" (issue 20); "devices", one object per device, from managers before it.
    if (const cJSON* groups = cJSON_GetObjectItemCaseSensitive(o, "groups"); groups && !cJSON_IsNull(groups)) {
        FC_TRY(list, json::get_array(o, "groups", kMaxDevicesPerSchedule));
        const cJSON* g = nullptr;
        cJSON_ArrayForEach(g, *list) {
            if (!cJSON_IsObject(g)) return make_error("wrong_type", "a device group is not an object");
            FC_TRY(m, json::get_id(g, "model", "model"));
            FC_TRY(ids, json::get_id_list(g, "fw_ids", "firmware", 64));
            auto st = known(*ids);
            if (!st) return st.error().with_context("group of model " + *m);
            FC_TRY(devices, json::get_id_list(g, "devices", "device", kMaxDevicesPerSchedule));
            if (s.devices.size() + devices->size() > kMaxDevicesPerSchedule)
                return make_error("too_large",
                                  "a schedule lists at most " + std::to_string(kMaxDevicesPerSchedule) + " devices");
            for (auto& d : *devices) s.devices.push_back(ScheduleTarget{std::move(d), *m, *ids});
        }
    }
    if (const cJSON* devs = cJSON_GetObjectItemCaseSensitive(o, "devices"); devs && !cJSON_IsNull(devs)) {
        FC_TRY(list, json::get_array(o, "devices", kMaxDevicesPerSchedule));
        cJSON_ArrayForEach(item, *list) {
            if (!cJSON_IsObject(item)) return make_error("wrong_type", "a device item is not an object");
            ScheduleTarget t;
            FC_TRY(d, json::get_id(item, "device", "device"));
            FC_TRY(m, json::get_id(item, "model", "model"));
            FC_TRY(ids, json::get_id_list(item, "fw_ids", "firmware", 64));
            t.device = *d;
            t.model = *m;
            t.fw_ids = *ids;
            auto st = known(t.fw_ids);
            if (!st) return st.error().with_context("device " + t.device);
            s.devices.push_back(std::move(t));
        }
    }
    return s;
}

std::string encode(const FetchRequest& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "fetch");
    json::put(j.get(), "fw_id", r.fw_id);
    put_ranges(j.get(), "ranges", r.ranges);
    return j.dump();
}

Expected<FetchRequest> decode_fetch(std::string_view text) {
    FC_TRY(j, Json::parse(text, 256 * 1024));
    auto st = expect_type(j->get(), "fetch");
    if (!st) return st.error();
    FetchRequest r;
    FC_TRY(fw, json::get_id(j->get(), "fw_id", "firmware"));
    FC_TRY(ranges, ranges_from_json(j->get(), "ranges", UINT32_MAX));
    r.fw_id = *fw;
    r.ranges = *ranges;
    return r;
}

}  // namespace fleetcast
