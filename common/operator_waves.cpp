// What the operator sees of a campaign's waves (common/operator_waves.hpp).
#include "common/operator_waves.hpp"

#include "common/field_reader.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

namespace {
constexpr std::uint64_t kMaxTargets = 100000000;

void put_numbers(cJSON* o, const char* key, const std::vector<std::uint64_t>& values) {
    cJSON* arr = cJSON_AddArrayToObject(o, key);
    for (auto n : values) cJSON_AddItemToArray(arr, cJSON_CreateNumber(static_cast<double>(n)));
}
}  // namespace

void to_json(cJSON* o, const WaveView& v) {
    json::put(o, "open", v.open);
    json::put(o, "total", v.total);
    json::put(o, "text", v.text());
    to_json(cJSON_AddObjectToObject(o, "plan"), v.plan);
    put_numbers(o, "counts", v.counts);
    json::put(o, "success_met_at", v.success_met_at);
    json::put(o, "soak_ends_at", v.soak_ends_at);
    if (v.tallies.empty()) return;
    cJSON* arr = cJSON_AddArrayToObject(o, "tallies");
    for (const auto& t : v.tallies) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "wave", t.wave);
        json::put(item, "targets", t.targets);
        json::put(item, "completed", t.completed);
        json::put(item, "ended", t.ended);
        cJSON_AddItemToArray(arr, item);
    }
}

Expected<WaveView> wave_view_from_json(const cJSON* o) {
    if (!cJSON_IsObject(o)) return make_error("bad_value", "wave must be an object");
    WaveView v;
    FieldReader f(o);
    f.uint("open", kMaxWaves, v.open).uint("total", kMaxWaves, v.total);
    f.optional_time("success_met_at", v.success_met_at).optional_time("soak_ends_at", v.soak_ends_at);
    if (!f.ok()) return f.error();
    if (v.open == 0 || v.open > v.total) return make_error("bad_value", "wave: open must be 1..total");
    FC_TRY(plan, wave_plan_from_json(cJSON_GetObjectItemCaseSensitive(o, "plan")));
    v.plan = *plan;
    FC_TRY(counts, json::get_array(o, "counts", kMaxWaves));
    const cJSON* n = nullptr;
    cJSON_ArrayForEach(n, *counts) {
        if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > static_cast<double>(kMaxTargets))
            return make_error("bad_value", "wave: counts must be numbers of targets");
        v.counts.push_back(static_cast<std::uint64_t>(n->valuedouble));
    }
    if (v.counts.size() != v.total) return make_error("bad_value", "wave: one count per wave");
    if (cJSON_GetObjectItemCaseSensitive(o, "tallies")) {
        FC_TRY(rows, json::get_array(o, "tallies", kMaxWaves));
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, *rows) {
            WaveTallyRow t;
            FieldReader r(item);
            r.uint("wave", kMaxWaves, t.wave)
                .uint("targets", kMaxTargets, t.targets)
                .uint("completed", kMaxTargets, t.completed)
                .uint("ended", kMaxTargets, t.ended);
            if (!r.ok()) return r.error();
            v.tallies.push_back(t);
        }
    }
    return v;
}

}  // namespace fleetcast
