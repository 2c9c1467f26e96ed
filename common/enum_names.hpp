#pragma once
// An enum's wire names as one table ({value, "name"} pairs), read both ways.
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.hpp"

namespace fleetcast {

template <typename E, std::size_t N>
std::string_view name_in(const std::array<std::pair<E, const char*>, N>& names, E value) {
    for (const auto& [v, name] : names)
        if (v == value) return name;
    return "unknown";
}

// bad_value "unknown WHAT 'text'" for a name not in the table.
template <typename E, std::size_t N>
Expected<E> value_in(const std::array<std::pair<E, const char*>, N>& names, std::string_view text,
                     std::string_view what) {
    for (const auto& [v, name] : names)
        if (text == name) return v;
    return make_error("bad_value", "unknown " + std::string(what) + " '" + std::string(text) + "'");
}

}  // namespace fleetcast
