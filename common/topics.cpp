#include "common/topics.hpp"

#include <optional>
#include <vector>

#include "common/ids.hpp"

namespace fleetcast::topics {

namespace {

// One level of a topic: fixed text, or an id that must pass validate_id.
struct Level {
    Level(const char* fixed) : text(fixed) {}
    Level(std::string_view id, const char* id_kind) : text(id), what(id_kind) {}
    std::string_view text;
    const char* what = nullptr;
};

Level id(std::string_view v, const char* what) { return {v, what}; }

// Topics without ids: they cannot fail.
std::string join(std::initializer_list<std::string_view> parts) {
    std::string out(kRoot);
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out;
}

// A bad id does not go into the topic: the error names the topic, with each
// bad id shown as its placeholder ("{device}"), and the first bad id.
Expected<std::string> build(std::initializer_list<Level> levels) {
    std::string out(kRoot);
    std::optional<Error> bad;
    for (const auto& l : levels) {
        out += '/';
        if (l.what) {
            if (auto st = validate_id(l.text, l.what); !st) {
                if (!bad) bad = st.error();
                out += '{';
                out += l.what;
                out += '}';
                continue;
            }
        }
        out += l.text;
    }
    if (bad) return bad->with_context("topic " + out);
    return out;
}

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find('/', start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

}  // namespace

std::string manager_state() { return join({"mgr", "state"}); }
Expected<std::string> manager_request(std::string_view identity, std::string_view c) {
    return build({"mgr", "req", id(identity, "identity"), id(c, "client")});
}
std::string manager_request_filter() { return join({"mgr", "req", "+", "+"}); }
Expected<std::string> manager_response(std::string_view identity, std::string_view c) {
    return build({"mgr", "resp", id(identity, "identity"), id(c, "client")});
}
Expected<std::string> fw_manifest(std::string_view fw) { return build({"fw", id(fw, "firmware"), "manifest"}); }
Expected<std::string> gw_state(std::string_view gw) { return build({"gw", id(gw, "gateway"), "state"}); }
std::string gw_state_filter() { return join({"gw", "+", "state"}); }
Expected<std::string> gw_schedule(std::string_view gw, std::string_view c) {
    return build({"gw", id(gw, "gateway"), "schedule", id(c, "campaign")});
}
Expected<std::string> gw_schedule_filter(std::string_view gw) {
    return build({"gw", id(gw, "gateway"), "schedule", "+"});
}
Expected<std::string> gw_fetch(std::string_view gw) { return build({"gw", id(gw, "gateway"), "fetch"}); }
std::string gw_schedule_all_filter() { return join({"gw", "+", "schedule", "+"}); }
std::string gw_fetch_filter() { return join({"gw", "+", "fetch"}); }
Expected<std::string> gw_chunk(std::string_view gw, std::string_view fw) {
    return build({"gw", id(gw, "gateway"), "fw", id(fw, "firmware"), "chunk"});
}
Expected<std::string> gw_chunk_filter(std::string_view gw) {
    return build({"gw", id(gw, "gateway"), "fw", "+", "chunk"});
}
Expected<std::string> gw_report(std::string_view gw) { return build({"gw", id(gw, "gateway"), "report"}); }
std::string gw_report_filter() { return join({"gw", "+", "report"}); }
Expected<std::string> gw_cmd(std::string_view gw) { return build({"gw", id(gw, "gateway"), "cmd"}); }
Expected<std::string> gw_window(std::string_view gw) { return build({"gw", id(gw, "gateway"), "window"}); }
Expected<std::string> bridge_state(std::string_view gw) { return build({"bridge", id(gw, "gateway"), "state"}); }
Expected<std::string> site_model_chunk(std::string_view gw, std::string_view model, std::string_view fw) {
    return build({"site", id(gw, "gateway"), "model", id(model, "model"), "fw", id(fw, "firmware"), "chunk"});
}
Expected<std::string> dev_cmd(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "cmd"});
}
Expected<std::string> dev_chunk(std::string_view gw, std::string_view d, std::string_view fw) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "fw", id(fw, "firmware"), "chunk"});
}
Expected<std::string> dev_chunk_filter(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "fw", "+", "chunk"});
}
Expected<std::string> dev_fanout_done(std::string_view gw, std::string_view d, std::string_view fw) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "fw", id(fw, "firmware"), "done"});
}
Expected<std::string> dev_fanout_done_filter(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "fw", "+", "done"});
}
Expected<std::string> dev_event(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "event"});
}
Expected<std::string> dev_event_filter(std::string_view gw) {
    return build({"site", id(gw, "gateway"), "dev", "+", "event"});
}
Expected<std::string> dev_state(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "state"});
}
Expected<std::string> dev_state_filter(std::string_view gw) {
    return build({"site", id(gw, "gateway"), "dev", "+", "state"});
}

Expected<std::string> gw_probe(std::string_view gw) { return build({"gw", id(gw, "gateway"), "probe"}); }
std::string gw_probe_filter() { return join({"gw", "+", "probe"}); }
Expected<std::string> gw_probe_data(std::string_view gw) { return build({"gw", id(gw, "gateway"), "probe", "data"}); }
Expected<std::string> dev_probe(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "probe"});
}
Expected<std::string> dev_probe_ack(std::string_view gw, std::string_view d) {
    return build({"site", id(gw, "gateway"), "dev", id(d, "device"), "probe", "ack"});
}
Expected<std::string> dev_probe_ack_filter(std::string_view gw) {
    return build({"site", id(gw, "gateway"), "dev", "+", "probe", "ack"});
}

Expected<Parsed> parse_topic(std::string_view topic) {
    auto bad = [&](const std::string& why) {
        return make_error("bad_topic", "topic '" + std::string(topic.substr(0, 200)) + "': " + why);
    };
    if (topic.size() > 512) return bad("too long");
    if (topic.substr(0, kRoot.size()) != kRoot || topic.size() <= kRoot.size() || topic[kRoot.size()] != '/')
        return bad("not under " + std::string(kRoot));
    auto p = split(topic.substr(kRoot.size() + 1));
    Parsed out;
    auto id = [&](std::string_view v, std::string_view what, std::string& dst) -> Status {
        auto st = validate_id(v, what);
        if (!st) return st;
        dst = std::string(v);
        return ok_status();
    };
    Status st = ok_status();
    const auto n = p.size();
    if (p[0] == "mgr") {
        if (n == 2 && p[1] == "state") out.kind = Kind::ManagerState;
        else if (n == 4 && p[1] == "req") {
            out.kind = Kind::ManagerRequest;
            st = id(p[2], "identity", out.identity);
            if (st) st = id(p[3], "client", out.client);
        } else if (n == 4 && p[1] == "resp") {
            out.kind = Kind::ManagerResponse;
            st = id(p[2], "identity", out.identity);
            if (st) st = id(p[3], "client", out.client);
        } else return bad("unknown manager topic");
    } else if (p[0] == "fw") {
        if (n == 3 && p[2] == "manifest") {
            out.kind = Kind::FwManifest;
            st = id(p[1], "firmware", out.fw_id);
        } else return bad("unknown firmware topic");
    } else if (p[0] == "gw" && n >= 3) {
        st = id(p[1], "gateway", out.gateway);
        if (!st) return st.error();
        if (n == 3 && p[2] == "state") out.kind = Kind::GwState;
        else if (n == 3 && p[2] == "fetch") out.kind = Kind::GwFetch;
        else if (n == 3 && p[2] == "report") out.kind = Kind::GwReport;
        else if (n == 3 && p[2] == "cmd") out.kind = Kind::GwCmd;
        else if (n == 3 && p[2] == "window") out.kind = Kind::GwWindow;
        else if (n == 3 && p[2] == "probe") out.kind = Kind::GwProbe;
        else if (n == 4 && p[2] == "probe" && p[3] == "data") out.kind = Kind::GwProbeData;
        else if (n == 4 && p[2] == "schedule") {
            out.kind = Kind::GwSchedule;
            st = id(p[3], "campaign", out.campaign);
        } else if (n == 5 && p[2] == "fw" && p[4] == "chunk") {
            out.kind = Kind::GwChunk;
            st = id(p[3], "firmware", out.fw_id);
        } else return bad("unknown gateway topic");
    } else if (p[0] == "bridge" && n == 3 && p[2] == "state") {
        out.kind = Kind::BridgeState;
        st = id(p[1], "gateway", out.gateway);
    } else if (p[0] == "site" && n >= 5) {
        st = id(p[1], "gateway", out.gateway);
        if (!st) return st.error();
        if (n == 5 && p[2] == "dev") {
            st = id(p[3], "device", out.device);
            if (!st) return st.error();
            if (p[4] == "cmd") out.kind = Kind::DevCmd;
            else if (p[4] == "event") out.kind = Kind::DevEvent;
            else if (p[4] == "state") out.kind = Kind::DevState;
            else if (p[4] == "probe") out.kind = Kind::DevProbe;
            else return bad("unknown device topic");
        } else if (n == 6 && p[2] == "dev" && p[4] == "probe" && p[5] == "ack") {
            out.kind = Kind::DevProbeAck;
            st = id(p[3], "device", out.device);
        } else if (n == 7 && p[2] == "dev" && p[4] == "fw" && (p[6] == "chunk" || p[6] == "done")) {
            out.kind = p[6] == "chunk" ? Kind::DevChunk : Kind::DevFanoutDone;
            st = id(p[3], "device", out.device);
            if (st) st = id(p[5], "firmware", out.fw_id);
        } else if (n == 7 && p[2] == "model" && p[4] == "fw" && p[6] == "chunk") {
            out.kind = Kind::SiteModelChunk;
            st = id(p[3], "model", out.model);
            if (st) st = id(p[5], "firmware", out.fw_id);
        } else {
            return bad("unknown site topic");
        }
    } else {
        return bad("unknown topic");
    }
    if (!st) return st.error();
    return out;
}

}  // namespace fleetcast::topics
