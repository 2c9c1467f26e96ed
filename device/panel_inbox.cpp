#include "device/panel_inbox.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"

namespace fleetcast::device {

namespace fs = std::filesystem;

namespace {

bool same_time(const struct timespec& a, const struct timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// A folder changed this close to now may change again within the same
// timestamp (coarse kernel clock): its time alone does not show it.
bool recent(const struct timespec& t) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec - t.tv_sec < 2;
}

}  // namespace

std::vector<PanelInbox::Item> PanelInbox::take(std::size_t max) {
    std::vector<Item> out;
    std::error_code ec;
    auto dir = panel_requests_dir(dir_);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return out;
    if (may_skip_ && same_time(st.st_mtim, listed_mtime_) && !recent(st.st_mtim)) return out;
    listed_mtime_ = st.st_mtim;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        // Temp files of a request being written end in .tmp: not ours yet.
        if (entry.path().extension() == ".json") files.push_back(entry.path());
        if (files.size() >= 4 * max) break;
    }
    std::sort(files.begin(), files.end());
    may_skip_ = files.size() <= max;  // else some are left for the next poll
    for (const auto& f : files) {
        if (out.size() >= max) break;
        std::string id = f.stem().string();
        if (!validate_id(id, "request")) id = "invalid-name";
        auto text = read_file(f, 64 * 1024);
        fs::remove(f, ec);  // each request is handled once, whatever it contains
        if (!text) {
            out.push_back({id, text.error()});
            continue;
        }
        auto req = decode_panel_request(*text);
        if (req && req->id != id)
            req = make_error("bad_value", "request id '" + req->id + "' differs from its file name");
        out.push_back({id, std::move(req)});
    }
    return out;
}

void PanelInbox::answer(const PanelResponse& response) {
    auto dir = panel_responses_dir(dir_);
    auto st = ensure_dir(dir);
    if (st) st = write_file_atomic(dir / (response.id + ".json"), encode(response));
    if (!st) log_warn("device", "panel_response_failed").kv("request", response.id).kv("error", st.error().str());
}

void PanelInbox::show(const std::string& json) {
    if (json == last_view_) return;
    if (!dirs_ready_) {
        // Created by the agent so a panel can drop requests before the first one.
        dirs_ready_ = ensure_dir(panel_requests_dir(dir_)) && ensure_dir(panel_responses_dir(dir_));
    }
    auto st = write_file_atomic(panel_view_path(dir_), json);
    if (!st) {
        log_warn("device", "panel_view_failed").kv("error", st.error().str());
        return;
    }
    last_view_ = json;
}

}  // namespace fleetcast::device
