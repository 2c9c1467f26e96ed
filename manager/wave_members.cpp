// Which targets go in which wave (manager/wave_members.hpp).
#include "manager/wave_members.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "common/sha256.hpp"

namespace fleetcast::manager {

std::vector<std::string> wave_order(const std::string& seed, const std::vector<TargetRecord>& targets) {
    struct Keyed {
        std::string key;  // hex SHA-256(seed:device), then the id: a total order
        std::string device;
    };
    std::map<std::pair<std::string, std::string>, std::vector<Keyed>> groups;  // (gateway, model)
    for (const auto& t : targets)
        groups[{t.gateway, t.model}].push_back({to_hex(sha256(seed + ":" + t.device)), t.device});
    std::vector<std::vector<Keyed>> ordered;
    for (auto& [group, members] : groups) {
        std::sort(members.begin(), members.end(),
                  [](const Keyed& a, const Keyed& b) { return std::tie(a.key, a.device) < std::tie(b.key, b.device); });
        ordered.push_back(std::move(members));
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
        return std::tie(a.front().key, a.front().device) < std::tie(b.front().key, b.front().device);
    });
    std::vector<std::string> out;
    out.reserve(targets.size());
    for (std::size_t round = 0; out.size() < targets.size(); ++round)
        for (const auto& g : ordered)
            if (round < g.size()) out.push_back(g[round].device);
    return out;
}

std::map<std::string, std::uint32_t> wave_members(const std::vector<std::string>& order,
                                                  const std::vector<std::uint64_t>& counts) {
    std::map<std::string, std::uint32_t> out;
    std::uint32_t wave = 1;
    for (std::size_t i = 0; i < order.size(); ++i) {
        while (wave < counts.size() && i >= counts[wave - 1]) ++wave;
        out[order[i]] = wave;
    }
    return out;
}

std::string wave_seed(std::uint64_t random) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random));
    return buf;
}

}  // namespace fleetcast::manager
