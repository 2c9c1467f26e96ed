#include "bench/tcp_bytes.hpp"

#include <sstream>
#include <string>

#include "tests/support/child_process.hpp"

namespace fleetcast::bench {

namespace {
std::uint64_t field(const std::string& line, const std::string& key) {
    auto pos = line.find(" " + key + ":");
    if (pos == std::string::npos) return 0;
    return std::stoull(line.substr(pos + key.size() + 2));
}
}  // namespace

TcpBytes tcp_bytes_of(pid_t pid, int broker_port) {
    auto r = testing::run_command(
        {"ss", "-tinpH", "state", "established", "( dport = :" + std::to_string(broker_port) + " )"},
        std::chrono::seconds(30));
    TcpBytes out;
    if (r.exit_code != 0) return out;
    std::istringstream in(r.output);
    std::string line;
    bool mine = false;
    const std::string tag = "pid=" + std::to_string(pid) + ",";
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line[0] != '\t' && line[0] != ' ') {
            mine = line.find(tag) != std::string::npos;
            continue;
        }
        if (!mine) continue;
        out.connections++;
        out.bytes_received += field(line, "bytes_received");
        out.bytes_sent += field(line, "bytes_sent");
        mine = false;
    }
    return out;
}

}  // namespace fleetcast::bench
