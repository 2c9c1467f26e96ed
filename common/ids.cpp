#include "common/ids.hpp"

#include <string>

namespace fleetcast {

namespace {
bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 80)) {
        if (c >= 0x20 && c < 0x7f) out += c;
        else out += '?';
    }
    return out;
}
}  // namespace

Status validate_id(std::string_view id, std::string_view what) {
    if (id.empty()) return make_error("bad_id", std::string(what) + " id is empty");
    if (id.size() > kMaxIdLength)
        return make_error("bad_id", std::string(what) + " id '" + printable(id) + "' is longer than " +
                                        std::to_string(kMaxIdLength) + " characters");
    for (char c : id) {
        if (!is_id_char(c))
            return make_error("bad_id",
                              std::string(what) + " id '" + printable(id) + "' has a character outside [A-Za-z0-9._-]");
    }
    if (id == "." || id == "..") return make_error("bad_id", std::string(what) + " id may not be '.' or '..'");
    return ok_status();
}

Status validate_version(std::string_view version) {
    if (version.empty()) return make_error("bad_version", "version is empty");
    if (version.size() > kMaxVersionLength) return make_error("bad_version", "version is too long");
    for (char c : version) {
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '#' || c == '"' || c == '\\')
            return make_error("bad_version", "version '" + printable(version) + "' has a forbidden character");
    }
    return ok_status();
}

int compare_versions(std::string_view a, std::string_view b) {
    std::size_t i = 0, j = 0;
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
        if (is_digit(a[i]) && is_digit(b[j])) {
            std::size_t si = i, sj = j;
            while (si < a.size() && a[si] == '0') ++si;
            while (sj < b.size() && b[sj] == '0') ++sj;
            std::size_t ei = si, ej = sj;
            while (ei < a.size() && is_digit(a[ei])) ++ei;
            while (ej < b.size() && is_digit(b[ej])) ++ej;
            if (ei - si != ej - sj) return ei - si < ej - sj ? -1 : 1;
            int c = a.substr(si, ei - si).compare(b.substr(sj, ej - sj));
            if (c != 0) return c < 0 ? -1 : 1;
            i = ei;
            j = ej;
        } else {
            if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
            ++i;
            ++j;
        }
    }
    if (i < a.size()) return 1;
    if (j < b.size()) return -1;
    return 0;
}

}  // namespace fleetcast
