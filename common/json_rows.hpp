#pragma once
// Arrays of rows in the operator's answers: every element decoded with one
// function (the first bad one names its index), every row encoded into a new
// array. Shared by the view codecs (operator_views, operator_campaign_views).
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"

namespace fleetcast {

// Upper bound of the rows a view decoder accepts (a registry of a million devices is paged elsewhere).
inline constexpr std::size_t kMaxViewRows = 1'000'000;

// Decodes every element of the array `key` with `decode` into `out`.
template <typename Row, typename Decode>
Status rows_from_json(const cJSON* o, const char* key, Decode decode, std::vector<Row>& out) {
    auto arr = json::get_array(o, key, kMaxViewRows);
    if (!arr) return arr.error();
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *arr) {
        auto row = decode(item);
        if (!row)
            return make_error(row.error().code,
                              std::string(key) + "[" + std::to_string(out.size()) + "]: " + row.error().message);
        out.push_back(std::move(*row));
    }
    return ok_status();
}

// Encodes every row into a new array `key` of `o`.
template <typename Row, typename Encode>
void rows_to_json(cJSON* o, const char* key, const std::vector<Row>& rows, Encode encode) {
    cJSON* arr = cJSON_AddArrayToObject(o, key);
    for (const auto& r : rows) {
        cJSON* item = cJSON_CreateObject();
        encode(item, r);
        cJSON_AddItemToArray(arr, item);
    }
}

}  // namespace fleetcast
