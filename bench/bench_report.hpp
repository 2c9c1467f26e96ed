#pragma once
// One scenario's figures: printed as one JSON line (machine-readable) and as a
// small readable table. A target is a measured figure compared with a limit.
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fleetcast::bench {

struct Target {
    std::string what;  // e.g. "wall / raw baseline"
    double value = 0;  // measured
    std::string op;    // "<=" or ">=" or "<"
    double limit = 0;
    bool met() const;
};

class ScenarioReport {
   public:
    explicit ScenarioReport(std::string name) : name_(std::move(name)) {}
    void figure(const std::string& key, double value, const std::string& unit = "");
    void note(const std::string& key, const std::string& text);
    void target(Target t) { targets_.push_back(std::move(t)); }
    void fail(const std::string& error) { errors_.push_back(error); }
    bool ok() const { return errors_.empty(); }
    bool all_met() const;
    std::string json_line() const;
    std::string table() const;
    const std::string& name() const { return name_; }

   private:
    std::string name_;
    std::vector<std::pair<std::string, std::variant<double, std::string>>> fields_;
    std::vector<std::string> units_;
    std::vector<Target> targets_;
    std::vector<std::string> errors_;
};

}  // namespace fleetcast::bench
