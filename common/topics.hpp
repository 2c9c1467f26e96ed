#pragma once
// The topic tree, in one place. Programs never format a topic string by hand:
// they call these builders, and classify incoming topics with parse_topic().
// Every id is validated before it is put in a topic (see ids.hpp): a builder
// that takes ids returns an error (code "bad_id", naming the topic and the id)
// instead of a topic, never throws. Transport::publish/subscribe take that
// result as it is and return the error without sending anything. Builders
// without ids cannot fail and return the topic itself.
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast::topics {

inline constexpr std::string_view kRoot = "fleetcast/v1";

// manager
std::string manager_state();  // retained, LWT
// operator -> manager: mgr/req/{identity}/{client}. The identity is the
// operator's broker identity (certificate CN or user name; the client id on an
// open dev broker), pinned by the ACL (broker-config/acl, scripts/operator-acl).
Expected<std::string> manager_request(std::string_view identity, std::string_view client);
std::string manager_request_filter();  // fleetcast/v1/mgr/req/+/+
// manager -> operator: mgr/resp/{identity}/{client}, the identity and client of
// the request's topic, so the ACL lets an operator read only its own answers.
Expected<std::string> manager_response(std::string_view identity, std::string_view client);
// firmware
Expected<std::string> fw_manifest(std::string_view fw_id);  // retained manifest
// gateway <-> manager
Expected<std::string> gw_state(std::string_view gw);                                // retained, LWT
std::string gw_state_filter();                                                      // fleetcast/v1/gw/+/state
Expected<std::string> gw_schedule(std::string_view gw, std::string_view campaign);  // retained
Expected<std::string> gw_schedule_filter(std::string_view gw);                      // fleetcast/v1/gw/{gw}/schedule/+
std::string gw_schedule_all_filter();                 // fleetcast/v1/gw/+/schedule/+ (manager, R27)
Expected<std::string> gw_fetch(std::string_view gw);  // gateway -> manager chunk requests
std::string gw_fetch_filter();                        // fleetcast/v1/gw/+/fetch
Expected<std::string> gw_chunk(std::string_view gw, std::string_view fw_id);  // manager -> gateway chunks
Expected<std::string> gw_chunk_filter(std::string_view gw);                   // fleetcast/v1/gw/{gw}/fw/+/chunk
Expected<std::string> gw_report(std::string_view gw);                         // gateway -> manager reports
std::string gw_report_filter();                                               // fleetcast/v1/gw/+/report
Expected<std::string> gw_window(std::string_view gw);                         // retained maintenance window (issue 16)
Expected<std::string> gw_cmd(std::string_view gw);                            // manager -> gateway commands
Expected<std::string> gw_probe(std::string_view gw);                          // gateway -> manager rate probe request
std::string gw_probe_filter();                                                // fleetcast/v1/gw/+/probe
Expected<std::string> gw_probe_data(std::string_view gw);                     // manager -> gateway probe data
// the site broker's bridge to the central broker (mosquitto notification: "1" up, "0" down)
Expected<std::string> bridge_state(std::string_view gw);
// site fan-out (gateway <-> devices)
Expected<std::string> site_model_chunk(std::string_view gw, std::string_view model, std::string_view fw_id);
Expected<std::string> dev_cmd(std::string_view gw, std::string_view dev);  // gateway -> device JSON
// gateway -> device repair chunks, and their filter .../site/{gw}/dev/{dev}/fw/+/chunk
Expected<std::string> dev_chunk(std::string_view gw, std::string_view dev, std::string_view fw_id);
Expected<std::string> dev_chunk_filter(std::string_view gw, std::string_view dev);
// gateway -> device fanout_done, on the device's data connection behind the chunks it follows;
// the filter is .../site/{gw}/dev/{dev}/fw/+/done
Expected<std::string> dev_fanout_done(std::string_view gw, std::string_view dev, std::string_view fw_id);
Expected<std::string> dev_fanout_done_filter(std::string_view gw, std::string_view dev);
Expected<std::string> dev_event(std::string_view gw, std::string_view dev);      // device -> gateway JSON
Expected<std::string> dev_event_filter(std::string_view gw);                     // .../site/{gw}/dev/+/event
Expected<std::string> dev_state(std::string_view gw, std::string_view dev);      // retained, LWT
Expected<std::string> dev_state_filter(std::string_view gw);                     // .../site/{gw}/dev/+/state
Expected<std::string> dev_probe(std::string_view gw, std::string_view dev);      // gateway -> device probe data
Expected<std::string> dev_probe_ack(std::string_view gw, std::string_view dev);  // device -> gateway probe answer
Expected<std::string> dev_probe_ack_filter(std::string_view gw);                 // .../site/{gw}/dev/+/probe/ack

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
    GwWindow,
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
    std::string identity;  // ManagerRequest/Response: the operator's broker identity
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
