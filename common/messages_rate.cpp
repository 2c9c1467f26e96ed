// Link rate reports and rate probes (R9): see topics.md "Rates and probes".
#include <cstring>

#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

namespace {
constexpr std::string_view kProbeMagic = "FCP1";
constexpr std::uint64_t kMaxRateMillis = 7ULL * 24 * 3600 * 1000;  // a week
}  // namespace

std::string_view to_string(RateLink l) { return l == RateLink::Manager ? "manager" : "device"; }

std::string encode(const RateReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "rate");
    json::put(j.get(), "link", to_string(r.link));
    if (r.link == RateLink::Device) json::put(j.get(), "device", r.device);
    json::put(j.get(), "bytes", r.bytes);
    json::put(j.get(), "millis", r.millis);
    json::put(j.get(), "source", r.source);
    json::put(j.get(), "at", r.at);
    return j.dump();
}

Expected<RateReport> detail::rate_report_from_json(const cJSON* o) {
    RateReport r;
    FC_TRY(link, json::get_string(o, "link", 16));
    if (*link == "manager") r.link = RateLink::Manager;
    else if (*link == "device") r.link = RateLink::Device;
    else return make_error("bad_value", "rate link must be manager or device, got '" + *link + "'");
    if (r.link == RateLink::Device) {
        FC_TRY(d, json::get_id(o, "device", "device"));
        r.device = *d;
    }
    FC_TRY(b, json::get_uint(o, "bytes", kMaxImageSize));
    FC_TRY(ms, json::get_uint(o, "millis", kMaxRateMillis));
    FC_TRY(src, json::get_id(o, "source", "rate source"));
    FC_TRY(at, json::get_time(o, "at"));
    if (*b == 0 || *ms == 0) return make_error("out_of_range", "a rate needs bytes > 0 and millis > 0");
    r.bytes = *b;
    r.millis = *ms;
    r.source = *src;
    r.at = *at;
    return r;
}

namespace {
// A probe and its ack carry the same two fields under their own type.
std::string encode_probe(const char* type, const std::string& probe, std::uint64_t bytes) {
    auto j = Json::object();
    json::put(j.get(), "type", type);
    json::put(j.get(), "probe", probe);
    json::put(j.get(), "bytes", bytes);
    return j.dump();
}

template <typename Message>
Expected<Message> decode_probe(std::string_view text, const char* type, std::uint64_t max_bytes) {
    FC_TRY(j, Json::parse(text, 4096));
    auto st = detail::expect_type(j->get(), type);
    if (!st) return st.error();
    FC_TRY(id, json::get_id(j->get(), "probe", "probe"));
    FC_TRY(b, json::get_uint(j->get(), "bytes", max_bytes));
    return Message{*id, *b};
}
}  // namespace

std::string encode(const ProbeRequest& r) { return encode_probe("probe", r.probe, r.bytes); }

Expected<ProbeRequest> decode_probe_request(std::string_view text) {
    return decode_probe<ProbeRequest>(text, "probe", kMaxProbeBytes);
}

std::string encode(const ProbeAck& a) { return encode_probe("probe_ack", a.probe, a.bytes); }

Expected<ProbeAck> decode_probe_ack(std::string_view text) {
    return decode_probe<ProbeAck>(text, "probe_ack", kMaxProbeBytes + 256);
}

std::string encode_probe_data(std::string_view probe, std::uint64_t filler_bytes) {
    std::string out(kProbeMagic);
    out.push_back(static_cast<char>(probe.size() & 0xff));
    out.append(probe.substr(0, 255));
    out.append(static_cast<std::size_t>(std::min(filler_bytes, kMaxProbeBytes)), '\0');
    return out;
}

Expected<ProbeData> decode_probe_data(std::string_view bytes) {
    if (bytes.size() < kProbeMagic.size() + 1 || bytes.substr(0, kProbeMagic.size()) != kProbeMagic)
        return make_error("bad_probe", "probe data without FCP1 header");
    if (bytes.size() > kMaxProbeBytes + 256)
        return make_error("too_large", "probe data of " + std::to_string(bytes.size()) + " bytes");
    std::size_t len = static_cast<unsigned char>(bytes[kProbeMagic.size()]);
    if (bytes.size() < kProbeMagic.size() + 1 + len) return make_error("bad_probe", "truncated probe id");
    std::string id(bytes.substr(kProbeMagic.size() + 1, len));
    auto st = validate_id(id, "probe");
    if (!st) return st.error();
    return ProbeData{id, bytes.size()};
}

}  // namespace fleetcast
