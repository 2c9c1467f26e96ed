#include "common/json.hpp"

#include <cmath>

#include "common/ids.hpp"

namespace fleetcast {

Expected<Json> Json::parse(std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes)
        return make_error("too_large",
                          "JSON of " + std::to_string(text.size()) + " bytes exceeds " + std::to_string(max_bytes));
    cJSON* root = cJSON_ParseWithLength(text.data(), text.size());
    if (!root) return make_error("bad_json", "malformed JSON");
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return make_error("bad_json", "JSON message is not an object");
    }
    return Json(root);
}

std::string Json::dump() const {
    if (!root_) return "null";
    char* s = cJSON_PrintUnformatted(root_.get());
    std::string out = s ? s : "null";
    cJSON_free(s);
    return out;
}

namespace json {

Expected<const cJSON*> field(const cJSON* obj, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!f) return make_error("missing_field", std::string("field '") + key + "' is missing");
    return f;
}

Expected<std::string> get_string(const cJSON* obj, const char* key, std::size_t max_len) {
    auto f = field(obj, key);
    if (!f) return f.error();
    if (!cJSON_IsString(*f)) return make_error("wrong_type", std::string("field '") + key + "' is not a string");
    std::string v = (*f)->valuestring;
    if (v.size() > max_len) return make_error("too_large", std::string("field '") + key + "' is too long");
    return v;
}

std::optional<std::string> get_optional_string(const cJSON* obj, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!f || !cJSON_IsString(f)) return std::nullopt;
    return std::string(f->valuestring);
}

Expected<std::string> get_id(const cJSON* obj, const char* key, std::string_view what) {
    auto s = get_string(obj, key, kMaxIdLength + 1);
    if (!s) return s.error();
    auto st = validate_id(*s, what);
    if (!st) return st.error();
    return s;
}

Expected<std::string> get_version(const cJSON* obj, const char* key) {
    auto s = get_string(obj, key, kMaxVersionLength + 1);
    if (!s) return s.error();
    auto st = validate_version(*s);
    if (!st) return st.error();
    return s;
}

Expected<std::uint64_t> get_uint(const cJSON* obj, const char* key, std::uint64_t max) {
    auto f = field(obj, key);
    if (!f) return f.error();
    if (!cJSON_IsNumber(*f)) return make_error("wrong_type", std::string("field '") + key + "' is not a number");
    double d = (*f)->valuedouble;
    // double(UINT64_MAX) rounds up to 2^64, which does not convert: cap below it.
    if (!(d >= 0) || d != std::floor(d) || d > static_cast<double>(max) || d >= 18446744073709551616.0)
        return make_error("out_of_range",
                          std::string("field '") + key + "' is not an integer in 0.." + std::to_string(max));
    return static_cast<std::uint64_t>(d);
}

Expected<bool> get_bool(const cJSON* obj, const char* key) {
    auto f = field(obj, key);
    if (!f) return f.error();
    if (!cJSON_IsBool(*f)) return make_error("wrong_type", std::string("field '") + key + "' is not a boolean");
    return cJSON_IsTrue(*f) != 0;
}

Expected<TimePoint> get_time(const cJSON* obj, const char* key) {
    auto s = get_string(obj, key, 64);
    if (!s) return s.error();
    auto t = parse_time(*s);
    if (!t) return t.error().with_context(std::string("field '") + key + "'");
    return t;
}

Expected<std::optional<TimePoint>> get_optional_time(const cJSON* obj, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!f || cJSON_IsNull(f)) return std::optional<TimePoint>{};
    auto t = get_time(obj, key);
    if (!t) return t.error();
    return std::optional<TimePoint>{*t};
}

Expected<const cJSON*> get_array(const cJSON* obj, const char* key, std::size_t max_items) {
    auto f = field(obj, key);
    if (!f) return f.error();
    if (!cJSON_IsArray(*f)) return make_error("wrong_type", std::string("field '") + key + "' is not an array");
    if (static_cast<std::size_t>(cJSON_GetArraySize(*f)) > max_items)
        return make_error("too_large",
                          std::string("field '") + key + "' has more than " + std::to_string(max_items) + " items");
    return f;
}

Expected<const cJSON*> get_object(const cJSON* obj, const char* key) {
    auto f = field(obj, key);
    if (!f) return f.error();
    if (!cJSON_IsObject(*f)) return make_error("wrong_type", std::string("field '") + key + "' is not an object");
    return f;
}

Expected<std::map<std::string, std::string>> get_versions(const cJSON* obj, const char* key) {
    auto o = get_object(obj, key);
    if (!o) return o.error();
    std::map<std::string, std::string> out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *o) {
        if (out.size() >= 64)
            return make_error("too_large", std::string("field '") + key + "' has too many components");
        auto st = validate_id(item->string ? item->string : "", "component");
        if (!st) return st.error();
        if (!cJSON_IsString(item))
            return make_error("wrong_type", std::string("version of '") + item->string + "' is not a string");
        auto vs = validate_version(item->valuestring);
        if (!vs) return vs.error();
        out[item->string] = item->valuestring;
    }
    return out;
}

Expected<std::vector<std::string>> get_id_list(const cJSON* obj, const char* key, std::string_view what,
                                               std::size_t max_items) {
    auto a = get_array(obj, key, max_items);
    if (!a) return a.error();
    std::vector<std::string> out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *a) {
        if (!cJSON_IsString(item))
            return make_error("wrong_type", std::string("an item of '") + key + "' is not a string");
        auto st = validate_id(item->valuestring, what);
        if (!st) return st.error();
        out.emplace_back(item->valuestring);
    }
    return out;
}

void put(cJSON* obj, const char* key, std::string_view value) {
    cJSON_AddItemToObject(obj, key, cJSON_CreateString(std::string(value).c_str()));
}
void put(cJSON* obj, const char* key, const char* value) { cJSON_AddStringToObject(obj, key, value); }
void put(cJSON* obj, const char* key, std::uint64_t value) {
    cJSON_AddNumberToObject(obj, key, static_cast<double>(value));
}
void put(cJSON* obj, const char* key, bool value) { cJSON_AddBoolToObject(obj, key, value); }
void put(cJSON* obj, const char* key, TimePoint value) { put(obj, key, std::string_view(format_time(value))); }
void put(cJSON* obj, const char* key, const std::optional<TimePoint>& value) {
    if (value) put(obj, key, *value);
}
void put(cJSON* obj, const char* key, const std::map<std::string, std::string>& versions) {
    cJSON* o = cJSON_AddObjectToObject(obj, key);
    for (const auto& [k, v] : versions) cJSON_AddStringToObject(o, k.c_str(), v.c_str());
}
void put(cJSON* obj, const char* key, const std::vector<std::string>& strings) {
    cJSON* a = cJSON_AddArrayToObject(obj, key);
    for (const auto& s : strings) cJSON_AddItemToArray(a, cJSON_CreateString(s.c_str()));
}

}  // namespace json
}  // namespace fleetcast
