#include "common/job_digest.hpp"

#include <algorithm>

#include "common/sha256.hpp"

namespace fleetcast {

std::string job_digest(std::vector<JobStateRow> rows) {
    std::vector<std::string> lines;
    lines.reserve(rows.size());
    for (const auto& [device, state] : rows) lines.push_back(device + " " + std::string(to_string(state)) + "\n");
    std::sort(lines.begin(), lines.end());
    Sha256 h;
    for (const auto& l : lines) h.update(l);
    return to_hex(h.finish()).substr(0, 16);
}

}  // namespace fleetcast
