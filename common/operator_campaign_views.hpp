#pragma once
// The answers of the operator's campaign, device and gateway views
// (topics.md "Operator request / response"): results, campaign_list,
// device_detail, gateway_table. One struct per answer, one encoder (the
// manager's) and one strict decoder (the CLI's) each, like
// common/operator_views.hpp; a field of the wrong type is a bad_answer.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/failure_threshold.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"
#include "common/operator_campaigns.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_views.hpp"
#include "common/operator_waves.hpp"

namespace fleetcast {

// A campaign as results and campaign_list show it: campaign, state (as
// stored: active, paused, canceled, ended), mode, created_at, update_at,
// transmit_at, expires_at, expected_end, failure_threshold (when it has one).
struct CampaignHeader {
    std::string campaign;
    std::string state;
    TransferMode mode = TransferMode::Pull;
    TimePoint created_at{};
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    std::optional<TimePoint> expected_end;
    std::optional<FailureThreshold> failure_threshold;
};
void to_json(cJSON* o, const CampaignHeader& h);
Expected<CampaignHeader> campaign_header_from_json(const cJSON* o);

// Issue 17 item 7: what the manager sent one gateway for the campaign's images
// (table transfers: every artifact of them, a delta or a compressed image
// included, over every campaign that used them), and what the encodings saved
// (bytes that would have crossed as full images minus bytes that did).
// "links" on the wire; absent from older managers' answers.
struct LinkBytes {
    std::string gateway;
    std::uint64_t bytes = 0;  // manager -> gateway, chunk payload bytes
    std::uint64_t saved = 0;
    bool operator==(const LinkBytes&) const = default;
};

// ---- campaign_list ----------------------------------------------------------
// The campaign, its counts per result, its targets per gateway, and where it
// stands (`status` and `reason` on the wire are control.state and control.reason).
struct CampaignListEntry {
    CampaignHeader header;
    ResultSummary summary;
    std::map<std::string, std::uint64_t> gateways;  // targets per gateway
    CampaignControlView control;
    std::optional<WaveView> wave;                 // issue 16 item 2: with waves (no tallies)
    std::optional<std::vector<LinkBytes>> links;  // issue 17 item 7: per gateway of its targets
};
struct CampaignListAnswer {
    std::vector<CampaignListEntry> campaigns;
};
void to_json(cJSON* o, const CampaignListAnswer& a);
Expected<CampaignListAnswer> campaign_list_answer_from_json(const cJSON* o);

// ---- results (paged) ----------------------------------------------------------
// `campaign watch`: one aggregate per gateway over every target.
struct GatewayProgress {
    std::string gateway;
    std::uint64_t total = 0;
    std::uint64_t ended = 0;
    std::uint64_t progress = 0;  // mean of every target's, in percent
};
struct ResultsAnswer {
    CampaignHeader header;
    std::vector<ResultsRow> devices;      // one page
    ResultSummary summary;                // every target
    std::uint64_t pending = 0;            // targets not ended (WAITING FOR RE-UPDATING)
    std::optional<std::uint64_t> offset;  // of the page; absent once the CLI joined every page
    CampaignControlView control;
    std::optional<std::vector<GatewayProgress>> gateways;  // when asked by_gateway
    std::optional<WaveView> wave;                          // issue 16 item 2: with waves, with each wave's tally
    std::optional<std::vector<LinkBytes>> links;           // issue 17 item 7: per gateway of its targets
    std::uint64_t total() const { return summary.total; }
};
void to_json(cJSON* o, const ResultsAnswer& a);
Expected<ResultsAnswer> results_answer_from_json(const cJSON* o);

// ---- device_detail ----------------------------------------------------------
// One campaign the device was a target of, newest first.
struct DeviceHistoryRow {
    std::string campaign;
    std::string campaign_state;  // as stored
    TransferMode mode = TransferMode::Pull;
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    JobView job;
};
struct DeviceDetailAnswer {
    DeviceRow device;  // with its deferment parameter (R12)
    std::vector<DeviceHistoryRow> history;
};
void to_json(cJSON* o, const DeviceDetailAnswer& a);
Expected<DeviceDetailAnswer> device_detail_answer_from_json(const cJSON* o);

// ---- gateway_table ----------------------------------------------------------
// A job of an active or paused campaign on the gateway (its table, Fig. 45).
struct GatewayTableRow {
    std::string device;
    std::string model;
    std::string campaign;
    TimePoint update_at{};  // the device's own, moved by busy/defer (R13, R14)
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    JobView job;
};
struct GatewayTableAnswer {
    std::string gateway;
    std::string status;
    TimePoint last_seen{};
    std::vector<GatewayTableRow> rows;
};
void to_json(cJSON* o, const GatewayTableAnswer& a);
Expected<GatewayTableAnswer> gateway_table_answer_from_json(const cJSON* o);

}  // namespace fleetcast
