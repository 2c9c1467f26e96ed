// The audit log's side of the operator API (issue 19 item 3): every request
// that changes something is run inside one transaction with its audit entry,
// so the change and its record are stored together or not at all; and the
// `audit` view that reads the log.
#include "common/log.hpp"
#include "manager/operator_api.hpp"

namespace fleetcast::manager {

namespace {

// What an answer says changed, for the log: "campaign c-1 (20 targets)", "fw 0a1b…".
std::string changed(OperatorOp op, const Json& data) {
    const cJSON* o = data.get();
    auto text = [&](const char* key) { return json::get_optional_string(o, key).value_or(""); };
    switch (op) {
        case OperatorOp::FirmwareAdd:
        case OperatorOp::FirmwareUploadCommit:
            return "fw " + text("fw_id") + " (" + text("model") + " " + text("component") + " " + text("version") + ")";
        case OperatorOp::FirmwareDelete: return "deleted fw " + text("fw");
        case OperatorOp::CampaignCreate: {
            auto targets = json::get_uint(o, "targets", UINT64_MAX);
            return "campaign " + text("campaign") + " (" + std::to_string(targets ? *targets : 0) + " targets)";
        }
        case OperatorOp::CampaignPause:
        case OperatorOp::CampaignResume:
        case OperatorOp::CampaignCancel: return "campaign " + text("campaign") + " " + text("state");
        case OperatorOp::SetParam: return "device " + text("device") + " " + text("name");
        case OperatorOp::GatewaySetWindow:
        case OperatorOp::GatewayClearWindow:
            return "gateway " + text("gateway") + " window '" + text("window") + "' " + text("tz");
        default: return "device " + text("device") + " campaign " + text("campaign");  // defer, cancel, suspend, resume
    }
}

}  // namespace

Expected<Json> OperatorApi::audited(OperatorOp op, const OperatorRequest& req, const std::string& identity,
                                    const std::string& client) {
    std::optional<Expected<Json>> result;
    AuditEntry entry;
    auto st = store_.transaction([&]() -> Status {
        result = dispatch(op, req);
        entry.at = clock_.now();
        entry.identity = identity;
        entry.client = client;
        entry.req_id = req.req_id;
        entry.op = std::string(to_string(op));
        entry.args = req.args.empty() ? "{}" : req.args.dump();
        entry.ok = result->ok();
        entry.code = entry.ok ? "" : result->error().code;
        entry.outcome = entry.ok ? changed(op, **result) : result->error().message;
        auto logged = store_.append_audit(entry);
        // The change may already be published (a schedule, a manifest): it is
        // committed even when its record cannot be written, and that is logged.
        if (!logged)
            log_error("manager", "audit_write_failed")
                .kv("identity", identity)
                .kv("req", req.req_id)
                .kv("op", entry.op)
                .kv("error", logged.error().str());
        return ok_status();
    });
    if (!result) return st.error();  // no transaction, nothing changed
    if (!st) log_error("manager", "audit_commit_failed").kv("req", req.req_id).kv("error", st.error().str());
    log_info("manager", "audit")
        .kv("identity", identity)
        .kv("client", client)
        .kv("req", req.req_id)
        .kv("op", entry.op)
        .kv("ok", entry.ok ? "yes" : "no")
        .kv("outcome", entry.outcome);
    return std::move(*result);
}

Expected<Json> OperatorApi::audit_view(const AuditArgs& args) {
    auto rows = store_.audit_entries(args, args.limit + 1);
    if (!rows) return rows.error();
    AuditAnswer a;
    a.more = rows->size() > args.limit;
    if (a.more) rows->pop_back();
    a.entries = std::move(*rows);
    return json_object(a);
}

}  // namespace fleetcast::manager
