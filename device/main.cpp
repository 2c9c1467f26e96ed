// fleetcast-device: the device agent (or, with --simulate N, a virtual fleet).
#include <cstdio>

#include <string_view>
#include "common/log.hpp"
#include "common/program_start.hpp"
#include "device/device_host.hpp"
#include "device/device_options.hpp"
#include "device/panel_cli.hpp"

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
    const auto& stop = stop_on_signals();

    SystemClock clock;
    device::DeviceHost host(std::move(cl->host), clock);
    return host.run(stop);
}
