#pragma once
// Which targets go in which wave (issue 16 item 2), pure and deterministic:
// the same seed and targets give the same waves, on any manager.
//
// Each (gateway, model) group orders its targets by a keyed hash,
// SHA-256(seed ":" device); the groups take turns (round-robin, the groups in
// the hash order of their first target), so the first wave spreads over the
// sites and models instead of filling up with one of them.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manager/manager_records.hpp"

namespace fleetcast::manager {

// The device ids of `targets` in wave order.
std::vector<std::string> wave_order(const std::string& seed, const std::vector<TargetRecord>& targets);
// device -> its wave (1-based): the first counts[0] devices of `order` in
// wave 1, up to counts[1] in wave 2, ... (counts cumulative, the last the size of `order`).
std::map<std::string, std::uint32_t> wave_members(const std::vector<std::string>& order,
                                                  const std::vector<std::uint64_t>& counts);
// 16 hex digits from `random` (a new campaign's seed).
std::string wave_seed(std::uint64_t random);

}  // namespace fleetcast::manager
