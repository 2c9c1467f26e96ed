#pragma once
// What campaign_list and results show of a campaign's waves (issue 16 item
// 2): the open wave, the plan, when the open wave's soak ends, and (results)
// each wave's tally. The manager encodes it, the CLI and the dashboard read it.
// See topics.md "Operator request / response".
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/wave_plan.hpp"

namespace fleetcast {

struct WaveTallyRow {
    std::uint64_t wave = 0;  // 1-based
    std::uint64_t targets = 0;
    std::uint64_t completed = 0;  // power-on report named the new versions (R16)
    std::uint64_t ended = 0;      // in a final state, completed or not
    bool operator==(const WaveTallyRow& o) const {
        return wave == o.wave && targets == o.targets && completed == o.completed && ended == o.ended;
    }
};

struct WaveView {
    std::uint64_t open = 1;  // the newest open wave; waves 1..open are released to the gateways
    std::uint64_t total = 1;
    WavePlan plan;
    std::vector<std::uint64_t> counts;        // cumulative targets of each wave
    std::optional<TimePoint> success_met_at;  // the open wave met its share: its soak runs
    std::optional<TimePoint> soak_ends_at;
    std::vector<WaveTallyRow> tallies;  // results only: one per wave
    // "2/4"
    std::string text() const { return std::to_string(open) + "/" + std::to_string(total); }
};

// {"open":2,"total":4,"text":"2/4","plan":{...},"counts":[5,20],"success_met_at":..,"soak_ends_at":..,
//  "tallies":[{"wave":1,"targets":5,"completed":5,"ended":5}]}
void to_json(cJSON* o, const WaveView& v);
Expected<WaveView> wave_view_from_json(const cJSON* o);

}  // namespace fleetcast
