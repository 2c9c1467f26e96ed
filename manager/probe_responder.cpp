#include "manager/probe_responder.hpp"

#include "common/log.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"

namespace fleetcast::manager {

Status answer_probe(Transport& transport, const std::string& gateway, std::string_view payload) {
    auto req = decode_probe_request(payload);
    if (!req) return req.error();
    auto st = transport.publish(topics::gw_probe_data(gateway), encode_probe_data(req->probe, req->bytes));
    if (!st) return st;
    log_info("manager", "probe_answered").kv("gateway", gateway).kv("probe", req->probe).kv("bytes", req->bytes);
    return ok_status();
}

}  // namespace fleetcast::manager
