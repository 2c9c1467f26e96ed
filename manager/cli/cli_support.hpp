#pragma once
// What every operator command shares: option parsing, the connection to the
// manager, one request with its error printed, every page of a paged view,
// and JSON output. Errors are printed here, once, in one format.
#include <boost/program_options.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "manager/cli/command_help.hpp"
#include "manager/cli/commands.hpp"
#include "manager/cli/request_client.hpp"

namespace fleetcast::cli {

// Bad usage: exit status 2.
struct UsageError : boost::program_options::error {
    using boost::program_options::error::error;
};

// The command's options: `--help`/`-h` anywhere throws HelpRequested with
// `desc` printed; an unknown or bad option is a UsageError naming the command
// (desc's caption, e.g. "campaign list [--limit N]").
boost::program_options::variables_map parse(const std::vector<std::string>& args,
                                            const boost::program_options::options_description& desc,
                                            const boost::program_options::positional_options_description& pos = {});
// A command without arguments or options: only --help is accepted.
void no_options(const std::vector<std::string>& args, const std::string& command);
// One positional id (validated) plus the options already in `desc`.
std::string id_arg(const std::vector<std::string>& args, const char* name,
                   boost::program_options::options_description& desc, boost::program_options::variables_map& vm);

void print_json(const Json& data);
// Connects and waits for the manager's online state; nullptr (error printed) when it is down.
std::unique_ptr<RequestClient> connect(const GlobalOptions& g);

// Sends one request; prints the error and returns nullopt when it fails, with
// the exit status that failure deserves in `exit_code` (2: the input was refused).
std::optional<Json> call(RequestClient& client, const std::string& op, const Json& args, int& exit_code);
std::optional<Json> call(RequestClient& client, const std::string& op, const Json& args);
std::optional<Json> call(RequestClient& client, const std::string& op, const char* key, const std::string& value);
// A paged view (`results`, `targets`): asks page after page (offset) until
// `total` rows are in, and returns the first answer with every row in
// `devices` (and no `offset`).
std::optional<Json> call_all_pages(RequestClient& client, const std::string& op, const Json& args);

// The manager's answer decoded with its typed decoder (common/operator_*);
// nullopt, the error printed, when it does not decode.
void print_bad_answer(const Error& e);
template <typename Answer>
std::optional<Answer> typed_answer(Expected<Answer> a) {
    if (!a) {
        print_bad_answer(a.error());
        return std::nullopt;
    }
    return std::move(*a);
}
// A request whose answer decodes with `decode`; nullopt when either fails (printed).
template <typename Answer>
std::optional<Answer> call_typed(RequestClient& client, const std::string& op, const Json& args,
                                 Expected<Answer> (*decode)(const cJSON*), std::optional<Json>* raw = nullptr) {
    auto data = call(client, op, args);
    if (!data) return std::nullopt;
    auto a = typed_answer(decode(data->get()));
    if (raw) *raw = std::move(data);
    return a;
}

}  // namespace fleetcast::cli
