#pragma once
// Bytes the kernel received on the TCP connections of one process to the
// broker (tcp_info bytes_received, read with `ss -tinp`): the broker -> device
// link as observed by the operating system, MQTT framing and control
// messages included.
#include <sys/types.h>
#include <cstdint>

namespace fleetcast::bench {

struct TcpBytes {
    std::uint64_t connections = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
};

// Established connections from `pid` to 127.0.0.1:broker_port; zero when ss is missing.
TcpBytes tcp_bytes_of(pid_t pid, int broker_port);

}  // namespace fleetcast::bench
