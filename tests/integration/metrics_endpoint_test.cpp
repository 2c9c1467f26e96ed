// The manager's and the gateway's --metrics-listen endpoints (issue 19 item
// 4), scraped over plain HTTP during and after a campaign on a real broker:
// their counters must follow what an independent subscriber saw on the wire.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

// GET /metrics; empty when the endpoint did not answer 200.
std::string scrape(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(10, 0);
    auto res = client.Get("/metrics");
    return res && res->status == 200 ? res->body : std::string();
}

// The value of one series (`name` or `name{labels}` exactly as exposed).
std::optional<double> sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    return std::nullopt;
}

double value(const std::string& text, const std::string& series) { return sample(text, series).value_or(-1); }

// What the observer counted on the chunk topics that start with `prefix` and
// hold `middle` after it.
Observer::TopicStats summed(const std::map<std::string, Observer::TopicStats>& stats, const std::string& prefix,
                            const std::string& middle) {
    Observer::TopicStats sum;
    for (const auto& [topic, s] : stats)
        if (topic.rfind(prefix, 0) == 0 && topic.find(middle, prefix.size()) != std::string::npos && topic.size() > 6 &&
            topic.compare(topic.size() - 6, 6, "/chunk") == 0) {
            sum.messages += s.messages;
            sum.bytes += s.bytes;
        }
    return sum;
}

std::pair<int, int> two_free_ports() {
    int a = free_loopback_port(), b = free_loopback_port();
    while (b == a) b = free_loopback_port();
    return {a, b};
}

// Inodes of the TCP sockets listening in this network namespace.
std::set<std::string> listening_inodes() {
    std::set<std::string> out;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl, local, remote, st, queues, tr, retr, uid, timeout, inode;
            f >> sl >> local >> remote >> st >> queues >> tr >> retr >> uid >> timeout >> inode;
            if (st == "0A") out.insert(inode);  // TCP_LISTEN
        }
    }
    return out;
}

// Whether the process holds a listening TCP socket.
bool listens(pid_t pid) {
    auto inodes = listening_inodes();
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        auto target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (target.rfind("socket:[", 0) == 0 && inodes.count(target.substr(8, target.size() - 9))) return true;
    }
    return false;
}

}  // namespace

TEST(Metrics, CountersFollowTheWire) {
    Fleet fleet;
    Observer wire(fleet.uri(), "metrics-observer");
    wire.subscribe("fleetcast/v1/gw/+/fw/+/chunk");
    wire.subscribe("fleetcast/v1/site/+/model/+/fw/+/chunk");
    wire.subscribe("fleetcast/v1/site/+/dev/+/fw/+/chunk");
    auto [mport, gport] = two_free_ports();
    fleet.start_manager({"--metrics-listen", "127.0.0.1:" + std::to_string(mport)});
    fleet.start_gateway("gw1", "", {"--metrics-listen", "127.0.0.1:" + std::to_string(gport)});
    // Installing takes a while: the campaign is scraped while its jobs are open.
    // One device of the four fails its first write: its retry is a repair.
    fleet.start_devices("gw1", "A123", 4, 1, {"main=1.0"}, "",
                        {"--install-time", "3s", "--fault-first-write-fails", "0.25"});
    auto image = fleet.make_image("A123", "main", "2.0", 1024 * 1024 + 333);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(image));
    ASSERT_TRUE(fleet.wait_registered(4, 60s));

    // Both endpoints answer before any campaign: counters at zero, HELP and TYPE lines.
    std::string m, g;
    ASSERT_TRUE(eventually([&] { return !(m = scrape(mport)).empty() && !(g = scrape(gport)).empty(); }, 30s));
    EXPECT_NE(m.find("# TYPE fleetcast_manager_chunks_queued gauge\n"), std::string::npos) << m;
    EXPECT_NE(g.find("# HELP fleetcast_gateway_fanout_chunks_sent_total "), std::string::npos) << g;
    EXPECT_EQ(value(g, "fleetcast_gateway_fanout_chunks_sent_total"), 0) << g;
    EXPECT_EQ(value(m, "fleetcast_manager_jobs{state=\"completed\"}"), 0) << m;

    auto created = fleet.cli({"campaign", "create", "--all", "--retries", "2", "--retry-backoff", "300ms"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    ASSERT_TRUE(validate_id(campaign, "campaign")) << created.output;
    const auto gw_prefix = std::string("fleetcast/v1/gw/gw1/fw/");
    const auto site_prefix = std::string("fleetcast/v1/site/gw1/");

    // During the campaign: the counters only grow, never lag behind what the
    // observer had already seen when the scrape began, and a scrape finds
    // chunks sent while the campaign's jobs are still open.
    double last_manager = 0, last_fanout = 0;
    bool seen_during = false;
    ASSERT_TRUE(eventually(
        [&] {
            auto before = wire.stats();
            m = scrape(mport);
            g = scrape(gport);
            if (m.empty() || g.empty()) return false;
            double sent = value(m, "fleetcast_manager_chunks_sent_total{gateway=\"gw1\"}");
            double fanout = value(g, "fleetcast_gateway_fanout_chunks_sent_total");
            EXPECT_GE(sent, last_manager);
            EXPECT_GE(fanout, last_fanout);
            EXPECT_GE(sent, static_cast<double>(summed(before, gw_prefix, "").messages));
            EXPECT_GE(fanout, static_cast<double>(summed(before, site_prefix + "model/", "/fw/").messages));
            last_manager = sent;
            last_fanout = fanout;
            double installing =
                value(m, "fleetcast_manager_campaign_jobs{campaign=\"" + campaign + "\",state=\"installing\"}");
            double gateway_jobs = 0;
            for (const char* state : {"waiting", "fetching", "requesting", "transferring", "installing", "restarting",
                                      "completed", "failed", "expired", "canceled"})
                gateway_jobs +=
                    value(g, "fleetcast_gateway_campaign_jobs{campaign=\"" + campaign + "\",state=\"" + state + "\"}");
            seen_during = seen_during || (sent > 0 && fanout > 0 && installing > 0 && gateway_jobs == 4);
            return seen_during;
        },
        120s))
        << m << g;

    auto done = fleet.cli({"results", campaign, "--wait-complete", "120"}, 140s);
    ASSERT_EQ(done.exit_code, 0) << done.output;

    // After it: every counter equals what crossed its link, and the manager counts the jobs completed.
    const auto chunks = chunk_count_for(image.size, kDefaultChunkSize);
    bool settled = eventually(
        [&] {
            auto stats = wire.stats();
            auto up = summed(stats, gw_prefix, "");
            auto fan = summed(stats, site_prefix + "model/", "/fw/");
            auto repair = summed(stats, site_prefix + "dev/", "/fw/");
            m = scrape(mport);
            g = scrape(gport);
            return up.messages >= chunks && fan.messages >= chunks &&
                   value(m, "fleetcast_manager_chunks_sent_total{gateway=\"gw1\"}") == up.messages &&
                   value(m, "fleetcast_manager_chunks_sent_bytes_total{gateway=\"gw1\"}") ==
                       up.bytes - up.messages * kChunkHeaderSize &&
                   value(g, "fleetcast_gateway_manager_chunks_received_total") == up.messages &&
                   value(g, "fleetcast_gateway_manager_chunks_received_bytes_total") ==
                       up.bytes - up.messages * kChunkHeaderSize &&
                   value(g, "fleetcast_gateway_fanout_chunks_sent_total") == fan.messages &&
                   value(g, "fleetcast_gateway_fanout_chunks_sent_bytes_total") ==
                       fan.bytes - fan.messages * kChunkHeaderSize &&
                   value(g, "fleetcast_gateway_repair_chunks_sent_total") == repair.messages &&
                   value(m, "fleetcast_manager_jobs{state=\"completed\"}") == 4 &&
                   value(m, "fleetcast_manager_campaigns{status=\"ended\"}") == 1 &&
                   // The ended campaign's schedule is cleared: the gateway holds its jobs no more.
                   value(g, "fleetcast_gateway_campaigns") == 0 &&
                   value(g, "fleetcast_gateway_jobs{state=\"completed\"}") == 0;
        },
        30s);
    auto stats = wire.stats();
    EXPECT_TRUE(settled) << "observer: manager link " << summed(stats, gw_prefix, "").messages << ", fan-out "
                         << summed(stats, site_prefix + "model/", "/fw/").messages << ", repairs "
                         << summed(stats, site_prefix + "dev/", "/fw/").messages << "\n"
                         << m << g;
    // The image crossed the manager link once (the gateway repaired from its cache); the ended
    // campaign has no per-campaign series left.
    EXPECT_EQ(value(m, "fleetcast_manager_chunks_resent_total{gateway=\"gw1\"}"), 0) << m;
    EXPECT_GT(summed(stats, site_prefix + "dev/", "/fw/").messages, 0u) << "no repair crossed the wire";
    EXPECT_GE(value(g, "fleetcast_gateway_repairs_total"), 1) << g;
    EXPECT_EQ(m.find("fleetcast_manager_campaign_jobs{"), std::string::npos) << m;
    EXPECT_EQ(g.find("fleetcast_gateway_campaign_jobs{"), std::string::npos) << g;
    EXPECT_EQ(value(m, "fleetcast_manager_gateways{status=\"online\"}"), 1) << m;
    EXPECT_GE(value(g, "fleetcast_gateway_mqtt_connects_total"), 1) << g;
    EXPECT_EQ(value(g, "fleetcast_gateway_mqtt_connected"), 1) << g;
    EXPECT_GT(value(g, "fleetcast_gateway_device_links_measured"), 0) << g;
    EXPECT_EQ(value(m, "fleetcast_manager_events_total{event=\"bad_input\"}"), 0) << m;
}

TEST(Metrics, AnAddressInUseStopsTheProgramWithExitCode2AndNoOptionOpensNoPortAndTheConfigFileSetsIt) {
    Fleet fleet;
    auto [port, file_port] = two_free_ports();
    fleet.start_manager({"--metrics-listen", "127.0.0.1:" + std::to_string(port)});
    ASSERT_TRUE(eventually([&] { return !scrape(port).empty(); }, 30s)) << fleet.manager().log_tail();

    // The gateway is given the manager's metrics address: it says so and stops at once.
    fleet.start_gateway("gw1", "", {"--metrics-listen", "127.0.0.1:" + std::to_string(port)});
    int status = fleet.gateway("gw1").wait_exit(30s);
    ASSERT_NE(status, -1) << "the gateway kept running on an address in use";
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
    auto log = fleet.gateway("gw1").log_tail();
    EXPECT_NE(log.find("--metrics-listen: cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos)
        << log;
    EXPECT_NE(log.find("in use"), std::string::npos) << log;
    // The manager still serves its own.
    EXPECT_FALSE(scrape(port).empty());

    // Without the option, the gateway listens on no port at all.
    fleet.start_gateway("gw2");
    ASSERT_TRUE(
        eventually([&] { return fleet.gateway("gw2").log_tail().find(" gateway started ") != std::string::npos; }, 30s))
        << fleet.gateway("gw2").log_tail();
    ASSERT_TRUE(fleet.gateway("gw2").running()) << fleet.gateway("gw2").log_tail();
    EXPECT_FALSE(listens(fleet.gateway("gw2").pid()));
    EXPECT_TRUE(listens(fleet.manager().pid()));  // the check itself sees a listening program

    // The config file sets it as well.
    auto conf = fleet.dir() / "gw3.conf";
    std::ofstream(conf) << "metrics-listen = 127.0.0.1:" << file_port << "\n";
    fleet.start_gateway("gw3", "", {"--config", conf.string()});
    std::string g;
    ASSERT_TRUE(eventually([&] { return !(g = scrape(file_port)).empty(); }, 30s)) << fleet.gateway("gw3").log_tail();
    EXPECT_NE(g.find("\nfleetcast_gateway_mqtt_connected "), std::string::npos) << g;
}
