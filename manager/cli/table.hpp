#pragma once
// Aligned text tables for the operator CLI.
#include <ostream>
#include <string>
#include <vector>

namespace fleetcast::cli {

class Table {
   public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Columns padded to their widest cell (counted in UTF-8 characters), two spaces apart.
    void print(std::ostream& out) const;

   private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace fleetcast::cli
