// fleetcast-device: the device agent (or, with --simulate N, a virtual fleet).
#include <csignal>
#include <cstdio>

#include "common/log.hpp"
#include "device/device_host.hpp"
#include "device/device_options.hpp"
#include "device/panel_cli.hpp"
#include <string_view>

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
    g_stop = true;
}
}  // namespace

int main(int argc, char** argv) {
    using namespace fleetcast;
    if (argc > 1 && std::string_view(argv[1]) == "panel") return device::run_panel(argc - 1, argv + 1);
    auto cl = device::parse_command_line(argc, argv);
    if (!cl) {
        std::fprintf(stderr, "fleetcast-device: %s\n", cl.error().message.c_str());
        return 2;
    }
    if (cl->help) {
        std::fputs(cl->usage.c_str(), stdout);
        return 0;
    }
    set_log_level(cl->log_level);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    SystemClock clock;
    device::DeviceHost host(std::move(cl->host), clock);
    return host.run(g_stop);
}
