#pragma once
// A thin owning wrapper over cJSON plus typed, validating field readers that
// return errors instead of crashing on missing fields or wrong types.
#include <cjson/cJSON.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace fleetcast {

inline constexpr std::size_t kMaxJsonBytes = 4 * 1024 * 1024;

class Json {
   public:
    Json() = default;
    explicit Json(cJSON* root) : root_(root, &cJSON_Delete) {}
    static Json object() { return Json(cJSON_CreateObject()); }
    static Json array() { return Json(cJSON_CreateArray()); }
    static Expected<Json> parse(std::string_view text, std::size_t max_bytes = kMaxJsonBytes);

    cJSON* get() const { return root_.get(); }
    // Gives up ownership, e.g. to add this value into another cJSON tree.
    cJSON* release() { return root_.release(); }
    bool empty() const { return !root_; }
    std::string dump() const;

   private:
    std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root_{nullptr, &cJSON_Delete};
};

namespace json {

Expected<const cJSON*> field(const cJSON* obj, const char* key);
Expected<std::string> get_string(const cJSON* obj, const char* key, std::size_t max_len = 4096);
std::optional<std::string> get_optional_string(const cJSON* obj, const char* key);
Expected<std::string> get_id(const cJSON* obj, const char* key, std::string_view what);
Expected<std::string> get_version(const cJSON* obj, const char* key);
Expected<std::uint64_t> get_uint(const cJSON* obj, const char* key, std::uint64_t max);
Expected<bool> get_bool(const cJSON* obj, const char* key);
Expected<TimePoint> get_time(const cJSON* obj, const char* key);
Expected<std::optional<TimePoint>> get_optional_time(const cJSON* obj, const char* key);
Expected<const cJSON*> get_array(const cJSON* obj, const char* key, std::size_t max_items);
Expected<const cJSON*> get_object(const cJSON* obj, const char* key);
// {"main":"1.0","controller":"2.1"}: component id -> version
Expected<std::map<std::string, std::string>> get_versions(const cJSON* obj, const char* key);
Expected<std::vector<std::string>> get_id_list(const cJSON* obj, const char* key, std::string_view what,
                                               std::size_t max_items);

void put(cJSON* obj, const char* key, std::string_view value);
void put(cJSON* obj, const char* key, const char* value);
void put(cJSON* obj, const char* key, std::uint64_t value);
void put(cJSON* obj, const char* key, bool value);
void put(cJSON* obj, const char* key, TimePoint value);
void put(cJSON* obj, const char* key, const std::optional<TimePoint>& value);  // omitted when empty
void put(cJSON* obj, const char* key, const std::map<std::string, std::string>& versions);
void put(cJSON* obj, const char* key, const std::vector<std::string>& strings);

}  // namespace json
}  // namespace fleetcast
