#include "manager/cli/table.hpp"

#include <algorithm>

namespace fleetcast::cli {

namespace {
std::size_t display_width(const std::string& s) {
    // Count code points, not bytes, so "→" takes one column.
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> width(header_.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    };
    measure(header_);
    for (const auto& r : rows_) measure(r);
    auto line = [&](const std::vector<std::string>& row) {
        std::string text;
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
            text += row[i];
            if (i + 1 < row.size()) text += std::string(width[i] - display_width(row[i]) + 2, ' ');
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << text << '\n';
    };
    line(header_);
    for (const auto& r : rows_) line(r);
}

}  // namespace fleetcast::cli
