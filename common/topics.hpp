#pragma once
// The topic tree, in one place. Programs never format a topic string by hand:
// they call these builders, and classify incoming topics with parse_topic().
// Every id is validated before it is put in a topic (see ids.hpp).
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast::topics {

inline constexpr std::string_view kRoot = "fleetcast/v1";

// manager
std::string manager_state();                               // retained, LWT
std::string manager_request(std::string_view client);      // operator -> manager
std::string manager_request_filter();                      // fleetcast/v1/mgr/req/+
std::string manager_response(std::string_view client);     // manager -> operator
// firmware
std::string fw_manifest(std::string_view fw_id);           // retained manifest
// gateway <-> manager
std::string gw_state(std::string_view gw);                 // retained, LWT
std::string gw_state_filter();                             // fleetcast/v1/gw/+/state
std::string gw_schedule(std::string_view gw, std::string_view campaign);  // retained
std::string gw_schedule_filter(std::string_view gw);       // fleetcast/v1/gw/{gw}/schedule/+
std::string gw_fetch(std::string_view gw);                 // gateway -> manager chunk requests
std::string gw_fetch_filter();                             // fleetcast/v1/gw/+/fetch
std::string gw_chunk(std::string_view gw, std::string_view fw_id);  // manager -> gateway chunks
std::string gw_chunk_filter(std::string_view gw);          // fleetcast/v1/gw/{gw}/fw/+/chunk
std::string gw_report(std::string_view gw);                // gateway -> manager reports
std::string gw_report_filter();                            // fleetcast/v1/gw/+/report
std::string gw_cmd(std::string_view gw);                   // manager -> gateway commands
std::string gw_probe(std::string_view gw);                 // gateway -> manager rate probe request
std::string gw_probe_filter();                             // fleetcast/v1/gw/+/probe
std::string gw_probe_data(std::string_view gw);            // manager -> gateway probe data
// the site broker's bridge to the central broker (mosquitto notification: "1" up, "0" down)
std::string bridge_state(std::string_view gw);
// site fan-out (gateway <-> devices)
std::string site_model_chunk(std::string_view gw, std::string_view model, std::string_view fw_id);
std::string dev_cmd(std::string_view gw, std::string_view dev);    // gateway -> device JSON
std::string dev_chunk(std::string_view gw, std::string_view dev, std::string_view fw_id);  // gateway -> device repair chunks
std::string dev_chunk_filter(std::string_view gw, std::string_view dev);  // .../site/{gw}/dev/{dev}/fw/+/chunk
// gateway -> device fanout_done, on the device's data connection behind the chunks it follows
std::string dev_fanout_done(std::string_view gw, std::string_view dev, std::string_view fw_id);
std::string dev_fanout_done_filter(std::string_view gw, std::string_view dev);  // .../site/{gw}/dev/{dev}/fw/+/done
std::string dev_event(std::string_view gw, std::string_view dev);  // device -> gateway JSON
std::string dev_event_filter(std::string_view gw);                 // .../site/{gw}/dev/+/event
std::string dev_state(std::string_view gw, std::string_view dev); // retained, LWT
std::string dev_state_filter(std::string_view gw);                 // .../site/{gw}/dev/+/state
std::string dev_probe(std::string_view gw, std::string_view dev);  // gateway -> device probe data
std::string dev_probe_ack(std::string_view gw, std::string_view dev);  // device -> gateway probe answer
std::string dev_probe_ack_filter(std::string_view gw);             // .../site/{gw}/dev/+/probe/ack

enum class Kind {
    ManagerState,
    ManagerRequest,
    ManagerResponse,
    FwManifest,
    GwState,
    GwSchedule,
    GwFetch,
    GwChunk,
    GwReport,
    GwCmd,
    GwProbe,
    GwProbeData,
    SiteModelChunk,
    DevCmd,
    DevChunk,
    DevFanoutDone,
    DevEvent,
    DevState,
    DevProbe,
    DevProbeAck,
    BridgeState,
};

struct Parsed {
    Kind kind{};
    std::string client;    // ManagerRequest/Response
    std::string gateway;   // all gw/site topics
    std::string campaign;  // GwSchedule
    std::string fw_id;     // FwManifest, GwChunk, SiteModelChunk, DevChunk, DevFanoutDone
    std::string model;     // SiteModelChunk
    std::string device;    // Dev*
};

// Classifies a topic and validates every id in it. Unknown shapes and bad ids
// are errors (code "bad_topic" / "bad_id").
Expected<Parsed> parse_topic(std::string_view topic);

}  // namespace fleetcast::topics
