#pragma once
// Issue 17 item 7: the bytes the manager sent each gateway of a campaign
// (table transfers) and what deltas and compression saved, as `results` and
// `campaign list` show them (common/operator_campaign_views.hpp LinkBytes).
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/operator_campaign_views.hpp"
#include "manager/manager_records.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

// One row per gateway in `gateways` (sorted): the bytes sent of the images
// `images` (fw ids) and of every artifact that encodes one of them (a delta,
// a compressed image), and what they saved: each encoded artifact's bytes
// sent scaled to its target's size, minus the bytes sent. Transfers are kept
// per (gateway, fw), so two campaigns of one image on one gateway share them.
std::vector<LinkBytes> link_bytes(const std::vector<std::string>& gateways, const std::vector<TransferRecord>& sent,
                                  const std::set<std::string>& images, const std::vector<FirmwareRecord>& firmware);

// The same read from the store for `campaign`.
Expected<std::vector<LinkBytes>> campaign_link_bytes(ManagerStore& store, const std::string& campaign);

}  // namespace fleetcast::manager
