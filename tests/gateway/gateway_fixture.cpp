#include "tests/gateway/gateway_fixture.hpp"
#include "tests/support/test_keys.hpp"

#include <cstdlib>

#include "common/chunk_codec.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway::testing {

std::string TestImage::chunk(std::uint32_t index) const {
    auto off = static_cast<std::size_t>(index) * manifest.chunk_size;
    return encode_chunk(index, manifest.chunk_count, std::string_view(bytes).substr(off, manifest.chunk_size));
}

TestImage make_image(const std::string& model, const std::string& component, const std::string& version,
                     std::size_t size, char seed) {
    TestImage img;
    img.bytes.resize(size);
    for (std::size_t i = 0; i < size; ++i) img.bytes[i] = static_cast<char>(seed + (i * 7 + i / 1024) % 26);
    auto& m = img.manifest;
    m.sha256 = to_hex(sha256(img.bytes));
    m.fw_id = m.sha256.substr(0, 16);
    m.model = model;
    m.component = component;
    m.version = version;
    m.size = size;
    m.chunk_size = 1024;
    m.chunk_count = chunk_count_for(size, m.chunk_size);
    fleetcast::testing::sign_for_test(m, img.bytes);
    return img;
}

GatewayTest::GatewayTest() : clock(*parse_time("2026-11-25T21:00:00.000Z")) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fc-gw-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    main_v2 = make_image("A123", "main", "2.0", 10 * 1024 - 100);
}

GatewayTest::~GatewayTest() {
    gw.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

GatewayConfig GatewayTest::config() const {
    GatewayConfig c;
    c.id = kGw;
    c.state_dir = dir;
    c.fetch_window = 4;
    c.fanout_window = 8;
    c.ready_timeout = Millis(3000);
    c.trust_keys = fleetcast::testing::test_trust_keys();
    return c;
}

void GatewayTest::boot() {
    auto s = GatewayStore::open(dir / "gateway.db");
    ASSERT_TRUE(s) << s.error().str();
    store = std::move(*s);
    gw = std::make_unique<Gateway>(config(), transport, clock, *store);
    auto st = gw->start();
    ASSERT_TRUE(st) << st.error().str();
}

void GatewayTest::restart() {
    gw.reset();
    store.reset();
    boot();
}

void GatewayTest::handle_only(const std::string& topic, const std::string& payload, bool retained) {
    gw->handle(MqttEvent{MqttEvent::Kind::Message, 0, topic, payload, retained});
}

void GatewayTest::deliver(const std::string& topic, const std::string& payload, bool retained) {
    handle_only(topic, payload, retained);
    gw->tick();
}

Schedule GatewayTest::make_schedule(const std::string& campaign, TimePoint update_at,
                                    const std::vector<const TestImage*>& images,
                                    const std::vector<std::string>& devices) const {
    Schedule s;
    s.campaign = campaign;
    s.update_at = update_at;
    std::vector<std::string> ids;
    for (const auto* img : images) {
        s.firmware.push_back(img->manifest);
        ids.push_back(img->manifest.fw_id);
    }
    for (const auto& d : devices) s.devices.push_back({d, "A123", ids});
    return s;
}

void GatewayTest::send_schedule(const Schedule& s) { deliver(*topics::gw_schedule(kGw, s.campaign), encode(s), true); }

void GatewayTest::send_chunk(const TestImage& img, std::uint32_t index) {
    deliver(*topics::gw_chunk(kGw, img.manifest.fw_id), img.chunk(index));
}

void GatewayTest::send_all_chunks(const TestImage& img) {
    for (std::uint32_t i = 0; i < img.manifest.chunk_count; ++i) send_chunk(img, i);
}

void GatewayTest::device_state(const std::string& device, const std::string& model, const Versions& firmware,
                               DeviceStatus status) {
    DeviceState s{device, kGw, model, status, firmware, clock.now(), "", "", std::nullopt};
    deliver(*topics::dev_state(kGw, device),
            status == DeviceStatus::Offline ? encode_device_offline(device, kGw, model) : encode(s), true);
}

void GatewayTest::device_event(const std::string& device, const std::string& payload) {
    deliver(*topics::dev_event(kGw, device), payload);
}

void GatewayTest::advance(Millis d) {
    clock.advance(d);
    gw->tick();
}

std::vector<FetchRequest> GatewayTest::fetches() const {
    std::vector<FetchRequest> out;
    for (const auto& p : transport.on_topic(*topics::gw_fetch(kGw))) {
        auto r = decode_fetch(p.payload);
        EXPECT_TRUE(r);
        if (r) out.push_back(*r);
    }
    return out;
}

std::vector<std::uint32_t> GatewayTest::fetched_indexes() const {
    std::vector<std::uint32_t> out;
    for (const auto& f : fetches())
        for (const auto& r : f.ranges)
            for (auto i = r.first; i <= r.last; ++i) out.push_back(i);
    return out;
}

std::vector<JobReport> GatewayTest::job_reports(const std::string& device) const {
    std::vector<JobReport> out;
    for (const auto& p : transport.on_topic(*topics::gw_report(kGw))) {
        auto r = decode_gateway_report(p.payload);
        EXPECT_TRUE(r);
        if (!r) continue;
        if (auto* j = std::get_if<JobReport>(&*r); j && (device.empty() || j->device == device)) out.push_back(*j);
    }
    return out;
}

std::vector<CacheReport> GatewayTest::cache_reports() const {
    std::vector<CacheReport> out;
    for (const auto& p : transport.on_topic(*topics::gw_report(kGw))) {
        auto r = decode_gateway_report(p.payload);
        if (r)
            if (auto* c = std::get_if<CacheReport>(&*r)) out.push_back(*c);
    }
    return out;
}

std::vector<DeviceCommand> GatewayTest::commands(const std::string& device) const {
    // Commands, and fanout_done on the device's data topics, in the order sent.
    std::vector<DeviceCommand> out;
    const auto cmd_topic = *topics::dev_cmd(kGw, device);
    for (const auto& p : transport.published) {
        auto t = topics::parse_topic(p.topic);
        bool done = t && t->kind == topics::Kind::DevFanoutDone && t->device == device;
        if (p.topic != cmd_topic && !done) continue;
        auto c = decode_device_command(p.payload);
        EXPECT_TRUE(c);
        if (c) out.push_back(*c);
    }
    return out;
}

std::vector<std::uint32_t> GatewayTest::chunk_indexes(const std::string& topic) const {
    std::vector<std::uint32_t> out;
    for (const auto& p : transport.on_topic(topic)) {
        auto c = decode_chunk(p.payload, kMaxChunkSize);
        EXPECT_TRUE(c);
        if (c) out.push_back(c->index);
    }
    return out;
}

JobRow GatewayTest::stored_job(const std::string& device) const {
    for (const auto& j : stored_jobs())
        if (j.device == device) return j;
    return {};
}

std::vector<JobRow> GatewayTest::stored_jobs() const {
    auto other = GatewayStore::open(dir / "gateway.db");
    EXPECT_TRUE(other);
    if (!other) return {};
    auto jobs = (*other)->load_jobs();
    EXPECT_TRUE(jobs);
    return jobs ? *jobs : std::vector<JobRow>{};
}

}  // namespace fleetcast::gateway::testing
