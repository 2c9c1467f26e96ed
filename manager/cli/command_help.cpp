#include "manager/cli/command_help.hpp"

#include <sstream>

namespace fleetcast::cli {

const std::vector<CommandHelp>& command_table() {
    static const std::vector<CommandHelp> table{
        {"keygen", "[--out DIR] [--name NAME] [--force]",
         "Ed25519 key pair: NAME.key (manager --signing-key), NAME.pub (gateways' and devices' --trust-key)",
         "fleetcast keygen --out /etc/fleetcast --name manager"},
        {"firmware add",
         "FILE --model M --component C --version V [--chunk-size N] [--allow-downgrade] [--piece-size N]",
         "uploads the image to the manager over MQTT (resumes a broken upload), which signs its manifest and "
         "retains it",
         "fleetcast firmware add printer-2.0.img --model A123 --component main --version 2.0"},
        {"firmware list", "", "every image: model, component, version, size, chunks, when added, campaigns using it",
         "fleetcast firmware list --json"},
        {"firmware delete", "FW",
         "removes an image, its retained manifest and its file; refused while an active or paused campaign uses it",
         "fleetcast firmware delete 4f2a9c01d3e5b7a8"},
        {"devices", "", "every registered device: gateway, model, status, firmware, last seen", "fleetcast devices"},
        {"gateways", "", "every gateway: online or offline, last seen, next maintenance window", "fleetcast gateways"},
        {"rates", "", "latest measured rate per link (R9)", "fleetcast rates"},
        {"campaign create",
         "(--all | --model M... | --device ID... | --devices-file F) [--firmware FW...]\n"
         "    [--update-at T] [--transmit-at T | --asap] [--expires-at T] [--mode pull|push]\n"
         "    [--campaign ID] [--retries N] [--retry-backoff 5s] [--power-on-timeout 60s]\n"
         "    [--max-failures N|P% [--min-ended N] [--failure-results error,expired,canceled]\n"
         "     [--on-failure pause|cancel]]\n"
         "    [--waves 5,10%,50%,100% [--wave-success 95%] [--wave-soak 2h]]\n"
         "    [--max-per-minute N] [--max-concurrent-per-gateway N] [--dry-run]",
         "updates the targets to the latest (or the given) firmware of their model; without times the manager "
         "plans them; with --waves, wave after wave once each one's devices sent their power-on reports",
         "fleetcast campaign create --model A123 --mode push --asap --max-failures 5% --min-ended 10 --waves "
         "5,50%,100%"},
        {"campaign watch", "CAMPAIGN [--interval 1s]", "live progress bar per gateway until the campaign ends",
         "fleetcast campaign watch c-20261201-100000-0001"},
        {"campaign list", "[--limit N]", "campaigns: state (scheduled, running, paused, canceled, ended), why",
         "fleetcast campaign list --limit 10"},
        {"campaign pause", "CAMPAIGN [--reason TEXT]", "no new offer, fetch or fan-out; transfers hold",
         "fleetcast campaign pause c-20261201-100000-0001 --reason 'printers jam after 2.0'"},
        {"campaign resume", "CAMPAIGN", "run again; devices get only the chunks they lack",
         "fleetcast campaign resume c-20261201-100000-0001"},
        {"campaign cancel", "CAMPAIGN [--reason TEXT]", "every update not past its boot-pointer flip ends CANCELED",
         "fleetcast campaign cancel c-20261201-100000-0001 --reason 'wrong image'"},
        {"results", "CAMPAIGN [--wait-complete SECONDS]", "per gateway: start, end, result, error; summary line",
         "fleetcast results c-20261201-100000-0001 --wait-complete 600"},
        {"status", "DEVICE [--watch] [--interval 1s]", "state, progress, expected end (Fig. 19)",
         "fleetcast status A123-000001 --watch"},
        {"targets", "CAMPAIGN", "target devices, old -> new version per component (Fig. 20)",
         "fleetcast targets c-20261201-100000-0001"},
        {"unregistered", "CAMPAIGN", "devices left out of the campaign, with the reason (Fig. 21)",
         "fleetcast unregistered c-20261201-100000-0001"},
        {"gateway set-window", "GW \"DAYS HH:MM-HH:MM\" --tz ZONE",
         "the gateway's maintenance window: it offers updates and fetches images only inside it",
         "fleetcast gateway set-window site1 \"Mon-Fri 22:00-05:00\" --tz Europe/Berlin"},
        {"gateway clear-window", "GW", "no maintenance window: the gateway updates at any time",
         "fleetcast gateway clear-window site1"},
        {"gateway", "GW", "the gateway's table: necessity, update time, comment (Fig. 24)", "fleetcast gateway site1"},
        {"defer", "DEVICE [--by 20m]", "move the device's update time later (before its transfer starts)",
         "fleetcast defer A123-000001 --by 2h"},
        {"cancel", "DEVICE", "cancel the device's update (before its boot pointer flips)",
         "fleetcast cancel A123-000001"},
        {"suspend", "DEVICE", "hold the device's update: its transfer stops, received chunks stay",
         "fleetcast suspend A123-000001"},
        {"resume", "DEVICE", "let a suspended update run again (only missing chunks are sent)",
         "fleetcast resume A123-000001"},
        {"device set-param", "DEVICE deferment DURATION", "the device's deferment parameter (R12)",
         "fleetcast device set-param A123-000001 deferment 20m"},
        {"audit", "[--since T] [--limit N]",
         "who changed what: every changing request with its time, operator identity, args and outcome",
         "fleetcast audit --since 24h"},
    };
    return table;
}

std::optional<CommandHelp> find_command(const std::string& command, const std::string& sub) {
    for (const auto& c : command_table())
        if (c.name == command || c.name == command + " " + sub) return c;
    return std::nullopt;
}

std::string commands_usage() {
    std::ostringstream out;
    out << "commands (fleetcast COMMAND --help: its options and an example):\n";
    for (const auto& c : command_table()) {
        out << "  " << c.name << (c.usage.empty() ? "" : " ") << c.usage << "\n";
        out << "      " << c.summary << "\n";
    }
    out << "times: ISO-8601 (2026-11-25T21:30:00Z; without a zone: local time), +DURATION (+20m, +2h,\n"
           "       on the manager's clock) or now; without times the manager plans them (--asap)\n"
           "exit status: 0 ok, 1 failed, 2 bad input (usage, unreadable devices file, bad time, refused args)\n";
    return out.str();
}

std::string command_usage(const CommandHelp& c, const std::string& options) {
    std::ostringstream out;
    out << "usage: fleetcast [global options] " << c.name << (c.usage.empty() ? "" : " ") << c.usage << "\n"
        << "  " << c.summary << "\n";
    if (!options.empty()) out << "\n" << options;
    out << "\nexample:\n  " << c.example << "\n";
    return out.str();
}

}  // namespace fleetcast::cli
