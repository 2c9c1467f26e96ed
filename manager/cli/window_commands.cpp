#include "manager/cli/window_commands.hpp"

#include <iostream>

#include "common/ids.hpp"
#include "common/maintenance_window.hpp"
#include "common/operator_messages.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"
#include "manager/cli/table.hpp"

namespace fleetcast::cli {

namespace po = boost::program_options;

namespace {
int print_view(const GlobalOptions& g, RequestClient& client, const std::string& op, const Json& args) {
    int failed = 1;
    auto data = call(client, op, args, failed);
    if (!data) return failed;
    if (g.json) return print_json(*data), 0;
    auto v = typed_answer(gateway_window_view_from_json(data->get()));
    if (!v) return 1;
    std::cout << "gateway " << v->gateway << ": " << (v->window.empty() ? "no maintenance window" : window_cell(*v))
              << '\n';
    return 0;
}
}  // namespace

std::string window_cell(const std::optional<GatewayWindowView>& w) {
    if (!w || w->window.empty()) return "-";
    std::string out = w->window + " " + w->tz;
    if (w->next_open && w->next_close)
        out += w->open_now ? ", open until " + short_time(format_time(*w->next_close))
                           : ", next " + short_time(format_time(*w->next_open)) + " - " +
                                 short_time(format_time(*w->next_close));
    return out;
}

int set_window_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    GatewayWindowArgs a;
    po::options_description desc("gateway set-window GW WINDOW --tz ZONE");
    desc.add_options()("gateway", po::value(&a.gateway)->required(), "gateway id")(
        "window", po::value(&a.window)->required(), "days and local times, e.g. \"Mon-Fri 22:00-05:00\"")(
        "tz", po::value(&a.tz)->required(), "IANA time zone, e.g. Europe/Berlin");
    po::positional_options_description pos;
    pos.add("gateway", 1).add("window", 1);
    parse(args, desc, pos);
    if (auto st = validate_id(a.gateway, "gateway"); !st) throw UsageError(st.error().message);
    if (auto w = parse_window(a.window, a.tz); !w) throw UsageError(w.error().message);
    auto client = connect(g);
    if (!client) return 1;
    return print_view(g, *client, "gateway_set_window", json_object(a));
}

int clear_window_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("gateway clear-window GW");
    po::variables_map vm;
    auto gw = id_arg(args, "gateway", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    return print_view(g, *client, "gateway_clear_window", json_object(GatewayArgs{gw}));
}

}  // namespace fleetcast::cli
