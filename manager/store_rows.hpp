#pragma once
// Reading the rows of a manager.db query, written once for every
// manager_store_*.cpp: step until the end, stop at the first error.
#include <optional>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/sqlite_db.hpp"

namespace fleetcast::manager {

// Hands each row of a prepared (and bound) statement to `row`.
template <typename Fn>
Status each_row(Statement& s, Fn&& row) {
    while (true) {
        auto more = s.step();
        if (!more) return more.error();
        if (!*more) return ok_status();
        row(static_cast<const Statement&>(s));
    }
}

// Runs a prepared query and maps every row.
template <typename Row, typename Fn>
Expected<std::vector<Row>> collect(Expected<Statement> stmt, Fn&& map) {
    if (!stmt) return stmt.error();
    std::vector<Row> out;
    auto st = each_row(*stmt, [&](const Statement& s) { out.push_back(map(s)); });
    if (!st) return st.error();
    return out;
}

template <typename Row>
Expected<std::optional<Row>> first(Expected<std::vector<Row>> rows) {
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<Row>{};
    return std::optional<Row>{std::move(rows->front())};
}

}  // namespace fleetcast::manager
