#include "device/device_state.hpp"

#include "device/update_handler.hpp"

#include "common/ids.hpp"
#include "common/json.hpp"

namespace fleetcast::device {

namespace {
constexpr std::uint64_t kFormat = 1;

Expected<ComponentState> component_from_json(const cJSON* o) {
    auto slot = json::get_string(o, "slot", 1);
    if (!slot) return slot.error();
    auto s = slot_from_string(*slot);
    if (!s) return s.error();
    auto ver = json::get_version(o, "version");
    if (!ver) return ver.error();
    auto sha = json::get_string(o, "sha256", 64);
    if (!sha) return sha.error();
    return ComponentState{*s, *ver, *sha};
}

void put_component(cJSON* o, const ComponentState& c) {
    json::put(o, "slot", to_string(c.active));
    json::put(o, "version", c.version);
    json::put(o, "sha256", c.sha256);
}

void put_trial(cJSON* parent, const BootTrial& t) {
    cJSON* o = cJSON_AddObjectToObject(parent, "trial");
    json::put(o, "campaign", t.campaign);
    json::put(o, "attempted", t.attempted);
    cJSON* ids = cJSON_AddObjectToObject(o, "fw_ids");
    for (const auto& [c, id] : t.fw_ids) json::put(ids, c.c_str(), id);
    cJSON* prev = cJSON_AddObjectToObject(o, "previous");
    for (const auto& [c, s] : t.previous) put_component(cJSON_AddObjectToObject(prev, c.c_str()), s);
}

Expected<BootTrial> trial_from_json(const cJSON* o) {
    BootTrial t;
    auto c = json::get_id(o, "campaign", "campaign");
    if (!c) return c.error();
    t.campaign = *c;
    auto at = json::get_bool(o, "attempted");
    if (!at) return at.error();
    t.attempted = *at;
    auto ids = json::get_object(o, "fw_ids");
    if (!ids) return ids.error();
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *ids) {
        if (!item->string || !validate_id(item->string, "component") || !cJSON_IsString(item) ||
            !validate_id(item->valuestring, "firmware"))
            return make_error("bad_value", "trial fw_ids must map component ids to firmware ids");
        t.fw_ids[item->string] = item->valuestring;
    }
    auto prev = json::get_object(o, "previous");
    if (!prev) return prev.error();
    cJSON_ArrayForEach(item, *prev) {
        if (!item->string || !validate_id(item->string, "component"))
            return make_error("bad_value", "bad component id");
        auto comp = component_from_json(item);
        if (!comp) return comp.error();
        t.previous[item->string] = *comp;
    }
    return t;
}

Expected<std::vector<FirmwareManifest>> manifests_from_json(const cJSON* o) {
    std::vector<FirmwareManifest> out;
    auto fw = json::get_array(o, "firmware", 64);
    if (!fw) return fw.error();
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *fw) {
        auto m = manifest_from_json(item);
        if (!m) return m.error();
        out.push_back(*m);
    }
    return out;
}

Expected<UpdateInProgress> update_from_json(const cJSON* o) {
    UpdateInProgress u;
    auto c = json::get_id(o, "campaign", "campaign");
    if (!c) return c.error();
    u.campaign = *c;
    auto fw = manifests_from_json(o);
    if (!fw) return fw.error();
    u.firmware = std::move(*fw);
    return u;
}

void put_manifests(cJSON* o, const std::vector<FirmwareManifest>& firmware) {
    cJSON* fw = cJSON_AddArrayToObject(o, "firmware");
    for (const auto& m : firmware) {
        cJSON* item = cJSON_CreateObject();
        to_json(item, m);
        cJSON_AddItemToArray(fw, item);
    }
}

bool has(const cJSON* o, const char* key) { return cJSON_GetObjectItemCaseSensitive(o, key) != nullptr; }

void put_extras(cJSON* o, const DeviceNvState& s) {
    if (s.deferment) put_deferment(o, "deferment", *s.deferment);
    if (s.pending_request) {
        cJSON* p = cJSON_AddObjectToObject(o, "pending_request");
        json::put(p, "campaign", s.pending_request->campaign);
        json::put(p, "answer_at", s.pending_request->answer_at);
        put_manifests(p, s.pending_request->firmware);
    }
    json::put(o, "postponed_until", s.postponed_until);
    if (!s.held_campaign.empty()) json::put(o, "held_campaign", s.held_campaign);
    if (s.condition.status != DeviceStatus::Idle) {
        cJSON* c = cJSON_AddObjectToObject(o, "condition");
        json::put(c, "status", to_string(s.condition.status));
        if (!s.condition.activity.empty()) json::put(c, "activity", s.condition.activity);
        if (!s.condition.service_call.empty()) json::put(c, "service_call", s.condition.service_call);
    }
    if (s.last_update) put_last_update(o, *s.last_update);
}

Status read_extras(const cJSON* o, DeviceNvState& s) {
    if (has(o, "deferment")) {
        auto d = json::get_object(o, "deferment");
        if (!d) return d.error();
        auto p = deferment_from_json(*d);
        if (!p) return p.error();
        s.deferment = *p;
    }
    if (has(o, "pending_request")) {
        auto p = json::get_object(o, "pending_request");
        if (!p) return p.error();
        auto c = json::get_id(*p, "campaign", "campaign");
        if (!c) return c.error();
        auto at = json::get_time(*p, "answer_at");
        if (!at) return at.error();
        auto fw = manifests_from_json(*p);
        if (!fw) return fw.error();
        s.pending_request = PendingRequest{*c, *fw, *at};
    }
    auto pu = json::get_optional_time(o, "postponed_until");
    if (!pu) return pu.error();
    s.postponed_until = *pu;
    if (has(o, "held_campaign")) {
        auto held = json::get_id(o, "held_campaign", "campaign");
        if (!held) return held.error();
        s.held_campaign = *held;
    }
    if (has(o, "condition")) {
        auto c = json::get_object(o, "condition");
        if (!c) return c.error();
        auto st = json::get_string(*c, "status", 16);
        if (!st) return st.error();
        auto status = device_status_from_string(*st);
        if (!status) return status.error();
        s.condition.status = *status;
        s.condition.activity = json::get_optional_string(*c, "activity").value_or("");
        s.condition.service_call = json::get_optional_string(*c, "service_call").value_or("");
    }
    if (has(o, "last_update")) {
        auto l = json::get_object(o, "last_update");
        if (!l) return l.error();
        LastUpdate u;
        auto c = json::get_id(*l, "campaign", "campaign");
        if (!c) return c.error();
        u.campaign = *c;
        u.result = json::get_optional_string(*l, "result").value_or("");
        auto ov = json::get_versions(*l, "old");
        if (!ov) return ov.error();
        auto nv = json::get_versions(*l, "new");
        if (!nv) return nv.error();
        u.old_versions = *ov;
        u.new_versions = *nv;
        auto at = json::get_time(*l, "at");
        if (!at) return at.error();
        u.at = *at;
        s.last_update = u;
    }
    return ok_status();
}
// The data each state needs; a file that lacks it cannot be resumed from.
Status check_state_data(UpdateState state, const DeviceNvState& s) {
    bool ok = true;
    switch (state) {
        case UpdateState::AwaitingDeferment: ok = s.pending_request.has_value(); break;
        case UpdateState::Receiving:
        case UpdateState::Writing: ok = s.update.has_value(); break;
        case UpdateState::Restarting:
        case UpdateState::TrialBoot: ok = s.trial.has_value(); break;
        default: break;
    }
    if (ok) return ok_status();
    return make_error("bad_value", "update_state " + std::string(to_string(state)) + " without its data");
}

Expected<UpdateState> read_update_state(const cJSON* o, const DeviceNvState& s) {
    if (!has(o, "update_state")) return update_state_of(s);
    auto text = json::get_string(o, "update_state", 32);
    if (!text) return text.error();
    auto state = update_state_from_string(*text);
    if (!state) return state.error();
    auto st = check_state_data(*state, s);
    if (!st) return st.error();
    // Restarting or TrialBoot: the trial's boot-attempt flag (what a
    // bootloader's counter is) says which, whoever set it.
    if (*state == UpdateState::Restarting || *state == UpdateState::TrialBoot) return update_state_of(s);
    return *state;
}
}  // namespace

UpdateState update_state_of(const DeviceNvState& s) {
    // The order the old agent gave them precedence in (the panel's, too).
    if (s.trial) return s.trial->attempted ? UpdateState::TrialBoot : UpdateState::Restarting;
    if (s.update) return UpdateState::Receiving;
    if (s.pending_request) return UpdateState::AwaitingDeferment;
    if (!s.held_campaign.empty()) return UpdateState::Held;
    if (s.postponed_until) return UpdateState::Postponed;
    return UpdateState::Idle;
}

void put_last_update(cJSON* obj, const LastUpdate& u) {
    cJSON* l = cJSON_AddObjectToObject(obj, "last_update");
    json::put(l, "campaign", u.campaign);
    json::put(l, "result", u.result);
    json::put(l, "old", u.old_versions);
    json::put(l, "new", u.new_versions);
    json::put(l, "at", u.at);
}

std::string_view to_string(Slot s) { return s == Slot::A ? "a" : "b"; }

Expected<Slot> slot_from_string(std::string_view s) {
    if (s == "a") return Slot::A;
    if (s == "b") return Slot::B;
    return make_error("bad_value", "slot must be 'a' or 'b'");
}

Versions DeviceNvState::versions() const {
    Versions v;
    for (const auto& [name, c] : components) v[name] = c.version;
    return v;
}

std::string encode_nv_state(const DeviceNvState& s) {
    auto j = Json::object();
    json::put(j.get(), "format", kFormat);
    json::put(j.get(), "boot_count", s.boot_count);
    json::put(j.get(), "update_state", to_string(s.update_state));
    if (!s.pending_campaign.empty()) json::put(j.get(), "pending_campaign", s.pending_campaign);
    if (!s.handler_step.empty()) json::put(j.get(), "handler_step", s.handler_step);
    cJSON* comps = cJSON_AddObjectToObject(j.get(), "components");
    for (const auto& [name, c] : s.components) {
        put_component(cJSON_AddObjectToObject(comps, name.c_str()), c);
    }
    if (s.trial) put_trial(j.get(), *s.trial);
    if (s.update) {
        cJSON* u = cJSON_AddObjectToObject(j.get(), "update");
        json::put(u, "campaign", s.update->campaign);
        cJSON* fw = cJSON_AddArrayToObject(u, "firmware");
        for (const auto& m : s.update->firmware) {
            cJSON* item = cJSON_CreateObject();
            to_json(item, m);
            cJSON_AddItemToArray(fw, item);
        }
    }
    put_extras(j.get(), s);
    return j.dump();
}

Expected<DeviceNvState> decode_nv_state(std::string_view text) {
    auto j = Json::parse(text, 16 * 1024 * 1024);  // manifests carry chunk hash lists
    if (!j) return j.error();
    const cJSON* o = j->get();
    auto format = json::get_uint(o, "format", 1000);
    if (!format) return format.error();
    if (*format != kFormat) return make_error("bad_value", "unknown state format " + std::to_string(*format));
    DeviceNvState s;
    auto bc = json::get_uint(o, "boot_count", UINT64_MAX);
    if (!bc) return bc.error();
    s.boot_count = *bc;
    if (cJSON_GetObjectItemCaseSensitive(o, "pending_campaign")) {
        auto pc = json::get_id(o, "pending_campaign", "campaign");
        if (!pc) return pc.error();
        s.pending_campaign = *pc;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "handler_step")) {
        auto step = json::get_string(o, "handler_step", 32);
        if (!step) return step.error();
        auto known = handler_step_from_string(*step);
        if (!known) return known.error();
        s.handler_step = *step;
    }
    auto comps = json::get_object(o, "components");
    if (!comps) return comps.error();
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *comps) {
        auto name_ok = validate_id(item->string ? item->string : "", "component");
        if (!name_ok) return name_ok.error();
        auto c = component_from_json(item);
        if (!c) return c.error().with_context(std::string("component ") + item->string);
        s.components[item->string] = *c;
    }
    if (s.components.empty()) return make_error("bad_value", "state has no components");
    if (cJSON_GetObjectItemCaseSensitive(o, "trial")) {
        auto t = json::get_object(o, "trial");
        if (!t) return t.error();
        auto trial = trial_from_json(*t);
        if (!trial) return trial.error().with_context("trial");
        s.trial = *trial;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "update")) {
        auto u = json::get_object(o, "update");
        if (!u) return u.error();
        auto up = update_from_json(*u);
        if (!up) return up.error().with_context("update");
        s.update = *up;
    }
    auto extras = read_extras(o, s);
    if (!extras) return extras.error();
    auto state = read_update_state(o, s);
    if (!state) return state.error();
    s.update_state = *state;
    return s;
}

}  // namespace fleetcast::device
