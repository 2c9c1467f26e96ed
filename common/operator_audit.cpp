// The audit op's args and answer, and which ops the audit log records.
#include "common/operator_audit.hpp"

#include "common/message_fields.hpp"

namespace fleetcast {

bool changes_fleet(OperatorOp op) {
    switch (op) {
        case OperatorOp::FirmwareAdd:
        case OperatorOp::FirmwareUploadCommit:
        case OperatorOp::FirmwareDelete:
        case OperatorOp::CampaignCreate:
        case OperatorOp::CampaignPause:
        case OperatorOp::CampaignResume:
        case OperatorOp::CampaignCancel:
        case OperatorOp::Defer:
        case OperatorOp::Cancel:
        case OperatorOp::Suspend:
        case OperatorOp::Resume:
        case OperatorOp::SetParam:
        case OperatorOp::GatewaySetWindow:
        case OperatorOp::GatewayClearWindow: return true;
        default: return false;
    }
}

bool changes_fleet(OperatorOp op, const cJSON* args) {
    if (op == OperatorOp::CampaignCreate && args) {
        const cJSON* dry = cJSON_GetObjectItemCaseSensitive(args, "dry_run");
        if (cJSON_IsTrue(dry)) return false;  // the plan only
    }
    return changes_fleet(op);
}

void to_json(cJSON* o, const AuditArgs& a) {
    json::put(o, "since", a.since);
    if (a.after != 0) json::put(o, "after", a.after);
    if (a.limit != kDefaultAuditLimit) json::put(o, "limit", a.limit);
}

Expected<AuditArgs> audit_args_from_json(const cJSON* o) {
    AuditArgs a;
    FC_TRY(since, json::get_optional_time(o, "since"));
    a.since = *since;
    if (cJSON_GetObjectItemCaseSensitive(o, "after")) {
        FC_TRY(after, json::get_uint(o, "after", UINT64_MAX));
        a.after = *after;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "limit")) {
        FC_TRY(limit, json::get_uint(o, "limit", kMaxAuditLimit));
        if (*limit == 0) return make_error("bad_args", "limit must be 1-" + std::to_string(kMaxAuditLimit));
        a.limit = *limit;
    }
    return a;
}

void to_json(cJSON* o, const AuditEntry& e) {
    json::put(o, "seq", e.seq);
    json::put(o, "at", e.at);
    json::put(o, "identity", e.identity);
    json::put(o, "client", e.client);
    json::put(o, "req_id", e.req_id);
    json::put(o, "op", e.op);
    json::put(o, "args", e.args.size() > kAuditArgsShown ? e.args.substr(0, kAuditArgsShown) + "..." : e.args);
    json::put(o, "ok", e.ok);
    json::put(o, "code", e.code);
    json::put(o, "outcome", e.outcome);
}

Expected<AuditEntry> audit_entry_from_json(const cJSON* o) {
    AuditEntry e;
    FC_TRY(seq, json::get_uint(o, "seq", UINT64_MAX));
    FC_TRY(at, json::get_time(o, "at"));
    FC_TRY(identity, json::get_id(o, "identity", "identity"));
    FC_TRY(client, json::get_id(o, "client", "client"));
    FC_TRY(req_id, json::get_string(o, "req_id", 256));
    FC_TRY(op, json::get_string(o, "op", 64));
    FC_TRY(args, json::get_string(o, "args", kAuditArgsShown + 3));
    FC_TRY(ok, json::get_bool(o, "ok"));
    FC_TRY(code, json::get_string(o, "code", 64));
    FC_TRY(outcome, json::get_string(o, "outcome", 4096));
    if (*ok != code->empty()) return make_error("bad_answer", "an audit entry has a code exactly when it failed");
    e.seq = *seq;
    e.at = *at;
    e.identity = *identity;
    e.client = *client;
    e.req_id = *req_id;
    e.op = *op;
    e.args = *args;
    e.ok = *ok;
    e.code = *code;
    e.outcome = *outcome;
    return e;
}

void to_json(cJSON* o, const AuditAnswer& a) {
    cJSON* arr = cJSON_AddArrayToObject(o, "entries");
    for (const auto& e : a.entries) {
        cJSON* item = cJSON_CreateObject();
        to_json(item, e);
        cJSON_AddItemToArray(arr, item);
    }
    json::put(o, "more", a.more);
}

Expected<AuditAnswer> audit_answer_from_json(const cJSON* o) {
    AuditAnswer a;
    FC_TRY(arr, json::get_array(o, "entries", kMaxAuditLimit));
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *arr) {
        FC_TRY(e, audit_entry_from_json(item));
        a.entries.push_back(std::move(*e));
    }
    FC_TRY(more, json::get_bool(o, "more"));
    a.more = *more;
    return a;
}

}  // namespace fleetcast
