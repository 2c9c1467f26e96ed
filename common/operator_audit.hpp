#pragma once
// The audit log (issue 19 item 3): which operator requests change something,
// and the `audit` op that reads the log (topics.md "Operator request /
// response", "Audit log"). The manager records every changing request with
// the time, the operator's broker identity (from the request topic
// mgr/req/{identity}/{client}, pinned by the broker's ACL), the op, its args
// and the outcome, in an append-only table (manager/manager_store_audit.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/operator_messages.hpp"

namespace fleetcast {

// firmware add/upload commit/delete, campaign create/pause/resume/cancel,
// device defer/cancel/suspend/resume/set_param, gateway set/clear window.
// Views, upload begin and pieces (nothing changes until the commit) are not.
bool changes_fleet(OperatorOp op);
// The same for one request: a campaign_create with "dry_run": true changes nothing.
bool changes_fleet(OperatorOp op, const cJSON* args);

inline constexpr std::uint64_t kDefaultAuditLimit = 200;
inline constexpr std::uint64_t kMaxAuditLimit = 1000;
// An entry's args as an answer carries them (the table keeps them whole): a
// campaign_create naming 100,000 devices would not fit a page.
inline constexpr std::size_t kAuditArgsShown = 2048;

struct AuditArgs {
    std::optional<TimePoint> since;  // entries at or after this time
    std::uint64_t after = 0;         // entries after this seq (the next page)
    std::uint64_t limit = kDefaultAuditLimit;
};
struct AuditEntry {
    std::uint64_t seq = 0;  // 1, 2, ...: the order the manager handled them in
    TimePoint at{};
    std::string identity;  // the operator's broker identity
    std::string client;    // the client id in the request topic
    std::string req_id;
    std::string op;
    std::string args;  // compact JSON of the request's args (cut to kAuditArgsShown bytes in an answer, "..." added)
    bool ok = false;
    std::string code;     // the error code; empty when ok
    std::string outcome;  // ok: what changed ("campaign c-..."); else the error message
};
struct AuditAnswer {
    std::vector<AuditEntry> entries;  // oldest first
    bool more = false;                // entries after the last one: ask again with `after`
};

void to_json(cJSON* o, const AuditArgs& a);
void to_json(cJSON* o, const AuditEntry& e);
void to_json(cJSON* o, const AuditAnswer& a);
Expected<AuditArgs> audit_args_from_json(const cJSON* o);
Expected<AuditEntry> audit_entry_from_json(const cJSON* o);
Expected<AuditAnswer> audit_answer_from_json(const cJSON* o);

}  // namespace fleetcast
