#include "device/panel_cli.hpp"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/atomic_file.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"
#include "device/panel_protocol.hpp"
#include "device/panel_view.hpp"

namespace fleetcast::device {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

int usage_error(const std::string& message) {
    std::cerr << "fleetcast-device panel: " << message << "\n";
    return 2;
}

std::string new_request_id() {
    static unsigned n = 0;
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    return "p-" + std::to_string(::getpid()) + "-" + std::to_string(ms.count()) + "-" + std::to_string(++n);
}

// Drops the request where the agent picks it up and waits for its answer.
Expected<PanelResponse> send(const fs::path& dir, PanelRequest req, std::chrono::milliseconds timeout) {
    req.id = new_request_id();
    auto requests = panel_requests_dir(dir);
    if (!fs::is_directory(requests))
        return make_error("no_agent", "no panel in " + dir.string() + " (is an agent running with --state-dir " +
                                          dir.string() + "?)");
    auto path = requests / (req.id + ".json");
    auto st = write_file_atomic(path, encode(req));
    if (!st) return st.error();
    auto answer = panel_responses_dir(dir) / (req.id + ".json");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(answer)) {
            auto text = read_file(answer, 64 * 1024);
            std::error_code ec;
            fs::remove(answer, ec);
            if (!text) return text.error();
            return decode_panel_response(*text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::error_code ec;
    fs::remove(path, ec);
    return make_error("timeout", "no running agent answered within " + std::to_string(timeout.count() / 1000) + " s");
}

Expected<Json> read_view(const fs::path& dir) {
    auto text = read_file(panel_view_path(dir), 1024 * 1024);
    if (!text) return make_error("no_view", "no panel view in " + dir.string() + " (is an agent running there?)");
    return Json::parse(*text);
}

int report(const Expected<PanelResponse>& r, bool as_json) {
    if (!r) {
        std::cerr << "fleetcast-device panel: " << r.error().message << "\n";
        return 1;
    }
    if (as_json) {
        std::cout << encode(*r) << "\n";
    } else if (r->ok) {
        std::cout << r->message << "\n";
    } else {
        std::cerr << "fleetcast-device panel: refused: " << r->message << "\n";
    }
    return r->ok ? 0 : 1;
}

int interactive(const fs::path& dir, std::chrono::milliseconds timeout) {
    if (!::isatty(STDIN_FILENO))
        return usage_error("the interactive panel needs a terminal; use --show, --defer or --cancel");
    termios saved{};
    ::tcgetattr(STDIN_FILENO, &saved);
    termios raw = saved;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    std::string message = "keys: d defer, c cancel, q quit";
    int rc = 0;
    while (true) {
        auto view = read_view(dir);
        std::cout << "\033[H\033[2J" << (view ? render_panel(view->get()) : view.error().message + "\n") << message
                  << "\n"
                  << std::flush;
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (::poll(&p, 1, 300) <= 0) continue;
        char key = 0;
        if (::read(STDIN_FILENO, &key, 1) != 1 || key == 'q' || key == 'Q') break;
        if (key != 'd' && key != 'D' && key != 'c' && key != 'C') {
            message = std::string("unknown key '") + key + "': d defer, c cancel, q quit";
            continue;
        }
        PanelRequest req;
        req.action = (key == 'd' || key == 'D') ? "defer" : "cancel";
        auto r = send(dir, req, timeout);
        message = !r ? r.error().message : (r->ok ? "" : "refused: ") + r->message;
    }
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return rc;
}

}  // namespace

int run_panel(int argc, char** argv) {
    std::string state_dir, by, set_deferment, status, activity, service_call, timeout = "10s";
    bool show = false, defer = false, cancel = false, as_json = false;
    po::options_description desc("fleetcast-device panel --state-dir DIR [action]");
    desc.add_options()("help,h", "show this help")("state-dir", po::value(&state_dir),
                                                   "the running agent's state directory")(
        "show", po::bool_switch(&show), "print the panel screen once")("defer", po::bool_switch(&defer),
                                                                       "defer the waiting update")(
        "by", po::value(&by), "with --defer: how much later (20m); default: the gateway's period")(
        "cancel", po::bool_switch(&cancel), "cancel the waiting or running update (before the boot pointer flips)")(
        "set-deferment", po::value(&set_deferment), "set the deferment parameter (0s, 20m)")(
        "status", po::value(&status), "set the device's condition: idle, busy or error")(
        "activity", po::value(&activity), "with --status busy: printing, copying, scanning")(
        "service-call", po::value(&service_call), "with --status error: service call type A, B, C or D")(
        "json", po::bool_switch(&as_json), "print JSON")("timeout", po::value(&timeout)->default_value("10s"),
                                                         "how long to wait for the agent's answer");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);  // argv[0] ("panel") is skipped
        po::notify(vm);
    } catch (const std::exception& e) {
        return usage_error(e.what());
    }
    if (vm.count("help")) {
        std::cout << desc << "\n";
        return 0;
    }
    if (state_dir.empty()) return usage_error("--state-dir is required");
    int actions = show + defer + cancel + !set_deferment.empty() + !status.empty();
    if (actions > 1) return usage_error("give at most one of --show, --defer, --cancel, --set-deferment, --status");
    if (!by.empty() && !defer) return usage_error("--by goes with --defer");
    if ((!activity.empty() || !service_call.empty()) && status.empty())
        return usage_error("--activity and --service-call go with --status");
    auto wait = parse_duration(timeout);
    if (!wait || wait->count() <= 0) return usage_error("--timeout must be a positive duration like 10s");
    fs::path dir(state_dir);

    if (show) {
        auto view = read_view(dir);
        if (!view) return std::cerr << "fleetcast-device panel: " << view.error().message << "\n", 1;
        std::cout << (as_json ? view->dump() + "\n" : render_panel(view->get()));
        return 0;
    }
    PanelRequest req;
    if (defer) {
        req.action = "defer";
        if (!by.empty()) {
            auto d = parse_duration(by);
            if (!d || d->count() <= 0)
                return usage_error("--by must be a positive duration like 20m, not '" + by + "'");
            req.by = *d;
        }
    } else if (cancel) {
        req.action = "cancel";
    } else if (!set_deferment.empty()) {
        auto d = parse_duration(set_deferment);
        if (!d || d->count() < 0 || *d > kMaxDeferment)
            return usage_error("--set-deferment must be a duration like 20m (at most 7d), not '" + set_deferment + "'");
        req.action = "set_deferment";
        req.value = *d;
    } else if (!status.empty()) {
        req.action = "set_status";
        auto s = device_status_from_string(status);
        if (!s || (*s != DeviceStatus::Idle && *s != DeviceStatus::Busy && *s != DeviceStatus::Error))
            return usage_error("--status must be idle, busy or error, not '" + status + "'");
        req.condition.status = *s;
        req.condition.activity = activity;
        req.condition.service_call = service_call;
        // The agent validates the same rules; checked here too for a clear usage error.
        if (*s == DeviceStatus::Error && !valid_service_call(service_call))
            return usage_error("--status error needs --service-call A, B, C or D");
        if (*s != DeviceStatus::Error && !service_call.empty())
            return usage_error("--service-call goes with --status error");
        if (*s != DeviceStatus::Busy && !activity.empty()) return usage_error("--activity goes with --status busy");
    } else {
        return interactive(dir, *wait);
    }
    return report(send(dir, req, *wait), as_json);
}

}  // namespace fleetcast::device
