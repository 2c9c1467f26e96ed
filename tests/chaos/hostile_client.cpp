#include "tests/chaos/hostile_client.hpp"

#include <cjson/cJSON.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "common/chunk_codec.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::testing::chaos {

namespace {

using Kind = topics::Kind;

bool is_chunk_topic(Kind k) { return k == Kind::GwChunk || k == Kind::SiteModelChunk || k == Kind::DevChunk; }
bool is_binary_topic(Kind k) { return is_chunk_topic(k) || k == Kind::GwProbeData || k == Kind::DevProbe; }
bool is_state_topic(Kind k) {
    return k == Kind::ManagerState || k == Kind::GwState || k == Kind::DevState || k == Kind::FwManifest;
}

const std::set<std::string> kIdKeys = {"device",     "gateway", "campaign", "fw_id",  "id",       "req_id",
                                       "request_id", "model",   "probe",    "client", "component"};
const std::vector<std::string> kWildcards = {"+", "#", "A123-00000+", "c/#", "dev/../x", "gw1/+/fw"};

// Every field but "type" gets a value of another JSON type.
void change_types(cJSON* o) {
    for (cJSON* item = o->child; item;) {
        cJSON* next = item->next;
        if (!item->string || std::string(item->string) == "type") {
            item = next;
            continue;
        }
        cJSON* replacement = nullptr;
        if (cJSON_IsString(item)) replacement = cJSON_CreateNumber(7);
        else if (cJSON_IsNumber(item)) replacement = cJSON_CreateString("7");
        else if (cJSON_IsBool(item)) replacement = cJSON_CreateString("yes");
        else if (cJSON_IsObject(item)) replacement = cJSON_CreateArray();
        else if (cJSON_IsArray(item)) replacement = cJSON_CreateObject();
        else replacement = cJSON_CreateObject();
        cJSON_ReplaceItemViaPointer(o, item, replacement);
        item = next;
    }
}

// Replaces each id-valued string (recursively); returns how many.
int wildcard_ids(cJSON* o, std::mt19937& rng) {
    int n = 0;
    for (cJSON* item = o->child; item; item = item->next) {
        if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
            n += wildcard_ids(item, rng);
        } else if (cJSON_IsString(item) && item->string && kIdKeys.count(item->string)) {
            cJSON_SetValuestring(item, kWildcards[rng() % kWildcards.size()].c_str());
            ++n;
        }
    }
    return n;
}

std::string noise(std::mt19937& rng, std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

}  // namespace

const std::vector<HostileKindInfo>& hostile_kinds() {
    static const std::vector<HostileKindInfo> kinds = {
        {HostileKind::MalformedJson, "malformed_json", true, ""},
        {HostileKind::WrongTypes, "wrong_types", true, ""},
        {HostileKind::WildcardIds, "wildcard_ids", true, ""},
        {HostileKind::Empty, "empty", true, "not on schedule topics (that is empty_schedule)"},
        {HostileKind::EmptyRetained, "empty_retained", true, "state and manifest topics"},
        {HostileKind::EmptySchedule, "empty_schedule", true,
         "empty retained payload on gw/{gw}/schedule/{campaign}: the gateway refuses it while jobs are open, the "
         "manager restores the schedule"},
        {HostileKind::Oversized, "oversized", true, ""},
        {HostileKind::TruncatedChunk, "truncated_chunk", true, ""},
        {HostileKind::TamperedChunk, "tampered_chunk", true, ""},
        {HostileKind::BadTopicIds, "bad_topic_ids", true, ""},
    };
    return kinds;
}

std::string to_string(HostileKind k) {
    for (const auto& i : hostile_kinds())
        if (i.kind == k) return i.name;
    return "?";
}

std::set<HostileKind> hostile_kinds_from_env() {
    std::set<HostileKind> def, all;
    for (const auto& i : hostile_kinds()) {
        all.insert(i.kind);
        if (i.on_by_default) def.insert(i.kind);
    }
    const char* env = std::getenv("FLEETCAST_CHAOS_HOSTILE");
    std::string spec = env ? env : "default";
    if (spec.empty() || spec == "default") return def;
    if (spec == "all") return all;
    if (spec == "none") return {};
    std::set<HostileKind> out;
    bool relative = spec[0] == '+' || spec[0] == '-';
    if (relative) out = def;
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        char op = (item[0] == '+' || item[0] == '-') ? item[0] : '+';
        std::string name = (item[0] == '+' || item[0] == '-') ? item.substr(1) : item;
        bool found = false;
        for (const auto& i : hostile_kinds()) {
            if (name != i.name) continue;
            found = true;
            if (op == '+') out.insert(i.kind);
            else out.erase(i.kind);
        }
        if (!found) throw std::invalid_argument("FLEETCAST_CHAOS_HOSTILE: unknown kind '" + name + "'");
    }
    return out;
}

HostileClient::HostileClient(const std::string& uri, std::uint32_t seed, std::set<HostileKind> kinds,
                             std::vector<std::string> known_topics)
    : kinds_(std::move(kinds)), known_(std::move(known_topics)), rng_(seed) {
    MqttOptions o;
    o.uri = uri;
    o.client_id = "chaos-hostile";
    o.clean_session = true;
    session_ = std::make_unique<MqttSession>(o, queue_);
    out_ = std::make_unique<OutboxTransport>(outbox_, *session_);
    auto st = session_->start();
    if (st) st = session_->wait_connected(std::chrono::seconds(10));
    if (st) st = session_->subscribe("fleetcast/#");
    if (!st) throw std::runtime_error(st.error().str());
}

HostileClient::~HostileClient() {
    stop();
    outbox_.flush_and_stop();
    session_->stop();
}

void HostileClient::start() {
    thread_ = std::thread([this] { run(); });
}

void HostileClient::stop() {
    stop_ = true;
    queue_.close();
    if (thread_.joinable()) thread_.join();
}

std::map<std::string, std::uint64_t> HostileClient::sent_by_kind() const {
    std::lock_guard lock(mu_);
    return sent_;
}

void HostileClient::remember(const std::string& topic, const std::string& payload) {
    seen_.insert(topic);
    if (payload.empty() || payload.size() > 80 * 1024 || own_.count(std::hash<std::string>{}(payload))) return;
    samples_[topic] = payload;
}

std::vector<HostileKind> HostileClient::applicable(const std::string& topic) const {
    auto t = topics::parse_topic(topic);
    std::vector<HostileKind> out;
    for (auto k : kinds_) {
        bool ok = true;
        switch (k) {
            case HostileKind::Empty: ok = !t || t->kind != Kind::GwSchedule; break;
            case HostileKind::EmptyRetained: ok = t && is_state_topic(t->kind); break;
            case HostileKind::EmptySchedule: ok = t && t->kind == Kind::GwSchedule; break;
            case HostileKind::TruncatedChunk: ok = t && is_binary_topic(t->kind); break;
            case HostileKind::TamperedChunk: ok = t && is_chunk_topic(t->kind); break;
            case HostileKind::WrongTypes:
            case HostileKind::WildcardIds: ok = !t || !is_binary_topic(t->kind); break;
            default: break;
        }
        if (ok) out.push_back(k);
    }
    return out;
}

void HostileClient::attack(const std::string& topic, HostileKind kind) {
    std::string target = topic, payload;
    bool retained = false;
    auto sample = samples_.find(topic);
    switch (kind) {
        case HostileKind::MalformedJson: {
            static const std::vector<std::string> bad = {"{not json", "[1,", "null", "{\"type\":", "\"type\"", "{}}"};
            payload = pick(4) == 0 ? noise(rng_, 1 + pick(300)) : bad[pick(static_cast<std::uint32_t>(bad.size()))];
            break;
        }
        case HostileKind::WrongTypes:
        case HostileKind::WildcardIds: {
            auto j = sample != samples_.end() ? Json::parse(sample->second) : Expected<Json>(make_error("none", ""));
            if (!j || !cJSON_IsObject(j->get()) || !j->get()->child) {
                payload = kind == HostileKind::WrongTypes ? R"({"type":7,"campaign":[],"device":{}})"
                                                          : R"({"type":"job","campaign":"c-#","device":"A123-+"})";
                break;
            }
            if (kind == HostileKind::WrongTypes) change_types(j->get());
            else if (wildcard_ids(j->get(), rng_) == 0) json::put(j->get(), "device", "A123-+/#");
            payload = j->dump();
            break;
        }
        case HostileKind::Empty: break;
        case HostileKind::EmptyRetained:
        case HostileKind::EmptySchedule: retained = true; break;
        case HostileKind::Oversized: {
            // At most one every 4 s: each copy is delivered to every subscriber of the topic.
            auto now = std::chrono::steady_clock::now();
            if (now - last_oversized_ < std::chrono::seconds(4)) return;
            last_oversized_ = now;
            payload = R"({"type":"progress","campaign":")" + std::string(2500 * 1024, 'x') + "\"}";
            break;
        }
        case HostileKind::TruncatedChunk: {
            std::string chunk = sample != samples_.end() && sample->second.size() > kChunkHeaderSize
                                    ? sample->second
                                    : encode_chunk(pick(4), 4, noise(rng_, 4096));
            static const std::vector<std::size_t> cuts = {3, 20, kChunkHeaderSize};
            std::size_t cut =
                pick(2) ? cuts[pick(3)]
                        : kChunkHeaderSize + 1 + pick(static_cast<std::uint32_t>(chunk.size() - kChunkHeaderSize - 1));
            payload = chunk.substr(0, std::min(cut, chunk.size() - 1));
            break;
        }
        case HostileKind::TamperedChunk: {
            auto chunk = sample != samples_.end() ? decode_chunk(sample->second, 16 * 1024 * 1024)
                                                  : Expected<ChunkView>(make_error("none", ""));
            std::uint32_t index = chunk ? chunk->index : pick(8), count = chunk ? chunk->count : 8;
            std::size_t size = chunk ? chunk->payload.size() : 65536;
            payload = encode_chunk(index, count, noise(rng_, size));
            break;
        }
        case HostileKind::BadTopicIds: {
            static const std::vector<std::string> bad = {
                "fleetcast/v1/site/gw1/dev/bad id/event",
                "fleetcast/v1/site/gw1/dev/" + std::string(70, 'A') + "/state",
                "fleetcast/v1/gw/../report",
                "fleetcast/v1/gw/gw 1/fetch",
                "fleetcast/v1/site/gw1/model/A123/fw/not*hex/chunk",
                "fleetcast/v1/mgr/req/operator/cli with space",
                "fleetcast/v1/gw/gw1/schedule/c-" + std::string(80, '9'),
                "fleetcast/v1/site/gw2/dev/A123-000001/unknown",
            };
            target = bad[pick(static_cast<std::uint32_t>(bad.size()))];
            payload = R"({"type":"power_on","campaign":"c-1","firmware":{"main":"2.0"},"boot_count":1})";
            break;
        }
    }
    if (own_.size() > 100000) own_.clear();
    own_.insert(std::hash<std::string>{}(payload));
    auto st = out_->publish(target, payload, retained);
    if (!st) return;
    std::lock_guard lock(mu_);
    sent_[to_string(kind)]++;
}

void HostileClient::run() {
    auto take_incoming = [&] {
        while (auto ev = queue_.pop_for(std::chrono::milliseconds(0)))
            if (ev->kind == MqttEvent::Kind::Message) remember(ev->topic, ev->payload);
    };
    // The opening burst: every applicable kind on every known topic.
    for (std::size_t i = 0; i < 20 && !stop_; ++i)
        take_incoming(), std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto& topic : known_)
        for (auto k : applicable(topic)) attack(topic, k);
    auto next = std::chrono::steady_clock::now();
    while (!stop_) {
        if (auto ev = queue_.pop_for(std::chrono::milliseconds(20)); ev && ev->kind == MqttEvent::Kind::Message)
            remember(ev->topic, ev->payload);
        if (std::chrono::steady_clock::now() < next) continue;
        take_incoming();
        std::vector<std::string> pool(seen_.begin(), seen_.end());
        pool.insert(pool.end(), known_.begin(), known_.end());
        for (int i = 0; i < 6 && !pool.empty(); ++i) {
            const auto& topic = pool[pick(static_cast<std::uint32_t>(pool.size()))];
            auto kinds = applicable(topic);
            if (!kinds.empty()) attack(topic, kinds[pick(static_cast<std::uint32_t>(kinds.size()))]);
        }
        next = std::chrono::steady_clock::now() + std::chrono::milliseconds(300 + pick(901));
    }
}

}  // namespace fleetcast::testing::chaos
