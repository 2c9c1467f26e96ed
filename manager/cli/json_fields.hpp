#pragma once
// How the CLI prints a time from a manager answer (answers themselves are
// decoded strictly by common/operator_*.hpp).
#include <string>

namespace fleetcast::cli {

// "2026-11-25T21:30:01.000Z" -> "2026-11-25 21:30:01"; "-" when absent.
inline std::string short_time(const std::string& iso) {
    if (iso.size() < 19) return "-";
    return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

}  // namespace fleetcast::cli
