#include "manager/cli/cli_support.hpp"

#include <iostream>
#include <set>
#include <sstream>

#include "common/ids.hpp"
#include "manager/cli/json_fields.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {
// Failures the operator's input caused (exit 2), by the manager's error code;
// anything else (no target, storage, broker) is exit 1.
bool is_input_error(const std::string& code) {
    static const std::set<std::string> kInput{"bad_args",    "bad_time",   "bad_duration",  "bad_id",
                                              "bad_version", "wrong_type", "missing_field", "out_of_range",
                                              "too_large",   "bad_json",   "not_found",     "duplicate"};
    return kInput.count(code) > 0;
}
}  // namespace

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& desc,
                        const po::positional_options_description& pos) {
    std::ostringstream printed;
    printed << desc;
    for (const auto& a : args)
        if (a == "--help" || a == "-h") throw HelpRequested{desc.options().empty() ? "" : printed.str()};
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
        po::notify(vm);
        return vm;
    } catch (const UsageError&) {
        throw;
    } catch (const po::error& e) {
        // Which command the option was given to: the caption, the first line of the printed options.
        auto caption = printed.str().substr(0, printed.str().find('\n'));
        if (!caption.empty() && caption.back() == ':') caption.pop_back();
        throw UsageError(caption + ": " + e.what());
    }
}

void no_options(const std::vector<std::string>& args, const std::string& command) {
    parse(args, po::options_description(command));
}

std::string id_arg(const std::vector<std::string>& args, const char* name, po::options_description& desc,
                   po::variables_map& vm) {
    std::string id;
    desc.add_options()(name, po::value(&id)->required(), name);
    po::positional_options_description pos;
    pos.add(name, 1);
    vm = parse(args, desc, pos);
    auto st = validate_id(id, name);
    if (!st) throw UsageError(st.error().message);
    return id;
}

void print_json(const Json& data) {
    char* text = cJSON_Print(data.get());
    std::cout << (text ? text : "{}") << '\n';
    cJSON_free(text);
}

std::unique_ptr<RequestClient> connect(const GlobalOptions& g) {
    auto client = RequestClient::connect(g.mqtt, g.timeout);
    if (!client) {
        std::cerr << "fleetcast: " << client.error().message << '\n';
        return nullptr;
    }
    return std::move(*client);
}

std::optional<Json> call(RequestClient& client, const std::string& op, const Json& args, int& exit_code) {
    exit_code = 1;
    auto resp = client.request(op, args);
    if (!resp) {
        std::cerr << "fleetcast: " << resp.error().message << '\n';
        return std::nullopt;
    }
    if (!resp->ok) {
        std::cerr << "fleetcast: " << op << " failed: " << resp->error << '\n';
        if (is_input_error(resp->code)) exit_code = 2;
        return std::nullopt;
    }
    exit_code = 0;
    return std::move(resp->data);
}

std::optional<Json> call(RequestClient& client, const std::string& op, const Json& args) {
    int ignored = 0;
    return call(client, op, args, ignored);
}

std::optional<Json> call(RequestClient& client, const std::string& op, const char* key, const std::string& value) {
    auto a = Json::object();
    json::put(a.get(), key, value);
    return call(client, op, a);
}

void print_bad_answer(const Error& e) { std::cerr << "fleetcast: bad answer from the manager: " << e.str() << "\n"; }

std::optional<Json> call_all_pages(RequestClient& client, const std::string& op, const Json& args) {
    auto data = call(client, op, args);
    if (!data) return data;
    cJSON* all_rows = cJSON_GetObjectItemCaseSensitive(data->get(), "devices");
    // A page without a count is a bad answer: the typed decoder of the joined document says so.
    auto total = json::get_uint(data->get(), "total", UINT64_MAX / 2);
    while (all_rows && total && static_cast<std::uint64_t>(cJSON_GetArraySize(all_rows)) < *total) {
        Json next(cJSON_Duplicate(args.get(), 1));
        cJSON_DeleteItemFromObjectCaseSensitive(next.get(), "offset");
        json::put(next.get(), "offset", static_cast<std::uint64_t>(cJSON_GetArraySize(all_rows)));
        auto page = call(client, op, next);
        if (!page) return std::nullopt;
        cJSON* rows = cJSON_GetObjectItemCaseSensitive(page->get(), "devices");
        if (!rows || cJSON_GetArraySize(rows) == 0) break;  // the campaign shrank meanwhile
        while (cJSON_GetArraySize(rows) > 0) cJSON_AddItemToArray(all_rows, cJSON_DetachItemFromArray(rows, 0));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(data->get(), "offset");
    return data;
}

}  // namespace fleetcast::cli
