#include "manager/cli/audit_command.hpp"

#include <iostream>

#include "common/operator_audit.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"
#include "manager/cli/table.hpp"

namespace fleetcast::cli {

namespace po = boost::program_options;

namespace {

// An ISO-8601 time, or a duration back from now on this machine's clock ("2h": the last two hours).
TimePoint since_arg(const std::string& text) {
    if (auto t = parse_time(text)) return *t;
    auto d = parse_duration(text);
    if (!d || d->count() < 0)
        throw UsageError("--since must be an ISO-8601 time or a duration back from now (30m, 2h, 7d), not '" + text +
                         "'");
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()) - *d;
}

}  // namespace

int audit_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("audit [--since T] [--limit N]");
    std::string since;
    std::uint64_t limit = 0;
    desc.add_options()("since", po::value(&since), "entries from this time on: ISO-8601, or a duration back (2h)")(
        "limit", po::value(&limit), "at most N entries, the oldest first (default: all)");
    parse(args, desc);
    AuditArgs a;
    if (!since.empty()) a.since = since_arg(since);
    auto client = connect(g);
    if (!client) return 1;
    // Page after page (the manager answers at most kMaxAuditLimit entries a request).
    AuditAnswer all;
    while (true) {
        a.limit = kMaxAuditLimit;
        if (limit) a.limit = std::min<std::uint64_t>(a.limit, limit - all.entries.size());
        auto page = call_typed(*client, "audit", json_object(a), audit_answer_from_json);
        if (!page) return 1;
        for (auto& e : page->entries) all.entries.push_back(std::move(e));
        all.more = page->more;
        if (!page->more || page->entries.empty() || (limit && all.entries.size() >= limit)) break;
        a.after = all.entries.back().seq;
    }
    if (g.json) return print_json(json_object(all)), 0;
    Table t({"SEQ", "TIME", "IDENTITY", "OP", "ARGS", "OUTCOME"});
    for (const auto& e : all.entries)
        t.add({std::to_string(e.seq), short_time(format_time(e.at)), e.identity, e.op,
               e.args.size() > 80 ? e.args.substr(0, 77) + "..." : e.args,
               e.ok ? "ok: " + e.outcome : e.code + ": " + e.outcome});
    t.print(std::cout);
    return 0;
}

}  // namespace fleetcast::cli
