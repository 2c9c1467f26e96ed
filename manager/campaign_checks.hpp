#pragma once
// The two ways a guard (failure threshold, waves) looks at campaigns: one by
// id when a report ended one of its targets, and every active one at manager
// start or on a timer. Written once here.
#include <string>

#include "manager/manager_store.hpp"

namespace fleetcast::manager {

// `check(record)` for the campaign `id`; an unknown id is nothing to check.
template <typename Check>
Status check_campaign(ManagerStore& store, const std::string& id, Check&& check) {
    auto c = store.find_campaign(id);
    if (!c) return c.error();
    if (!*c) return ok_status();
    return check(**c);
}

// `check(record)` for every active campaign, stopping at the first error.
template <typename Check>
Status check_active_campaigns(ManagerStore& store, Check&& check) {
    auto active = store.campaigns_in_state(kCampaignActive);
    if (!active) return active.error();
    for (const auto& c : *active)
        if (auto st = check(c); !st) return st;
    return ok_status();
}

}  // namespace fleetcast::manager
