#include "manager/cli/campaign_commands.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <thread>

#include "common/operator_campaign_views.hpp"
#include "common/operator_campaigns.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_waves.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"
#include "manager/cli/table.hpp"
#include "manager/cli/view_commands.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {
std::string joined(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
    return out.empty() ? "-" : out;
}

// "UPDATING COMPLETED 3, ERROR 1": the results that have devices.
std::string counts_text(const ResultSummary& s) {
    std::string out;
    for (const auto& [label, n] : s.counts)
        if (n > 0) out += (out.empty() ? "" : ", ") + label + " " + std::to_string(n);
    return out.empty() ? "-" : out;
}

std::optional<CampaignControlView> control_of(const cJSON* o) {
    auto v = campaign_control_view_from_json(o);
    if (!v) std::cerr << "fleetcast: bad answer from the manager: " << v.error().str() << "\n";
    return v ? std::optional<CampaignControlView>(*v) : std::nullopt;
}

// The campaign's `control` from campaign_list; nullopt (error printed) when it fails.
std::optional<CampaignControlView> current_control(RequestClient& client, const std::string& campaign) {
    CampaignListArgs a;
    a.limit = 1;
    a.campaign = campaign;
    auto list = call_typed(client, "campaign_list", json_object(a), campaign_list_answer_from_json);
    if (!list) return std::nullopt;
    if (list->campaigns.empty()) {
        std::cerr << "fleetcast: campaign " << campaign << " is not listed any more\n";
        return std::nullopt;
    }
    return list->campaigns.front().control;
}
}  // namespace

int campaign_list_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::uint64_t limit = kDefaultCampaignListLimit;
    po::options_description desc("campaign list [--limit N]");
    desc.add_options()("limit", po::value(&limit), "newest N campaigns (default 50)");
    parse(args, desc);
    if (limit == 0 || limit > kMaxCampaignListLimit)
        throw UsageError("--limit must be 1.." + std::to_string(kMaxCampaignListLimit));
    auto client = connect(g);
    if (!client) return 1;
    CampaignListArgs a;
    a.limit = limit;
    std::optional<Json> raw;
    auto list = call_typed(*client, "campaign_list", json_object(a), campaign_list_answer_from_json, &raw);
    if (!list) return 1;
    if (g.json) return print_json(*raw), 0;
    Table t({"CAMPAIGN", "STATE", "MODE", "CREATED", "TARGETS", "RESULTS", "WAVE", "MANAGER->GATEWAYS", "WHY"});
    for (const auto& e : list->campaigns) {
        const auto& reason = e.control.reason;
        t.add({e.header.campaign, e.control.state, std::string(to_string(e.header.mode)),
               short_time(format_time(e.header.created_at)), std::to_string(e.summary.total), counts_text(e.summary),
               e.wave ? e.wave->text() : "-", link_bytes_text(e.links),  // WAVE: issue 16 item 2; bytes: issue 17
               reason.empty() ? "-" : reason});
    }
    t.print(std::cout);
    return 0;
}

int campaign_control_command(const GlobalOptions& g, const std::vector<std::string>& args, CampaignAction action) {
    const std::string verb(to_string(action));
    std::string reason;
    po::options_description desc("campaign " + verb + " CAMPAIGN" +
                                 (action == CampaignAction::Resume ? "" : " [--reason TEXT]"));
    if (action != CampaignAction::Resume)
        desc.add_options()("reason", po::value(&reason), "why (shown in campaign list and results)");
    po::variables_map vm;
    auto campaign = id_arg(args, "campaign", desc, vm);
    if (reason.size() > kMaxCampaignReason)
        throw UsageError("--reason is at most " + std::to_string(kMaxCampaignReason) + " bytes");
    auto client = connect(g);
    if (!client) return 1;
    int exit_code = 1;
    auto sent = call(*client, "campaign_" + verb, json_object(CampaignControlArgs{campaign, reason}), exit_code);
    if (!sent) return exit_code;
    auto view = control_of(sent->get());
    if (!view) return 1;
    // Done once every online gateway confirmed; offline ones apply it when they come back.
    auto deadline = std::chrono::steady_clock::now() + g.timeout;
    while (!view->unconfirmed_online().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        auto now = current_control(*client, campaign);
        if (!now) return 1;
        view = std::move(now);
    }
    if (g.json) {
        auto data = Json::object();
        to_json(data.get(), *view);
        print_json(data);
    } else {
        std::vector<std::string> confirmed;
        for (const auto& gw : view->gateways)
            if (gw.confirmed) confirmed.push_back(gw.gateway);
        std::cout << "campaign " << campaign << ": " << view->state
                  << (view->reason.empty() ? "" : " (" + view->reason + ")") << "\n"
                  << "confirmed by: " << joined(confirmed) << "\n"
                  << "offline, will apply it when back: " << joined(view->unconfirmed_offline()) << "\n";
    }
    if (view->unconfirmed_online().empty()) return 0;
    std::cerr << "fleetcast: no confirmation of the " << verb << " from online gateway(s) "
              << joined(view->unconfirmed_online()) << " within the timeout\n";
    return 1;
}

}  // namespace fleetcast::cli
