#pragma once
// A campaign's waves (issue 16 item 2): the cumulative sizes of its waves, as
// counts or shares of its targets ("5,10%,50%,100%"), the share of a wave's
// targets that must complete (power-on report naming the new versions, R16)
// before the next wave opens, and how long to soak after that. Given to
// campaign_create, echoed in its answer, campaign_list and results.
// See topics.md "Operator request / response" and README "Waves".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace fleetcast {

inline constexpr std::size_t kMaxWaves = 100;
inline constexpr Millis kMaxWaveSoak{30LL * 24 * 3600 * 1000};

// One cumulative wave size: a count of targets or a share of them.
struct WaveSize {
    double value = 0;  // a count (whole) or a percentage (0 < p <= 100)
    bool percent = false;
    bool operator==(const WaveSize& o) const { return value == o.value && percent == o.percent; }
};

struct WavePlan {
    std::vector<WaveSize> sizes;  // cumulative, at least one; the last reaches every target
    double success_percent = 100.0;
    Millis soak{0};
    bool operator==(const WavePlan& o) const {
        return sizes == o.sizes && success_percent == o.success_percent && soak == o.soak;
    }
    // "5,10%,50%,100%"
    std::string sizes_text() const;
};

// "5,10%,50%,100%": each above zero, counts increasing among counts and
// shares among shares, a share at most 100%, a trailing share 100%.
Expected<std::vector<WaveSize>> parse_wave_sizes(std::string_view text);
// "95%" (0 < p <= 100): the CLI's --wave-success.
Expected<double> parse_wave_success(std::string_view text);

// The cumulative target counts of the waves for `targets` targets: a share
// rounds up, a count above the targets is all of them; a wave that would
// add nobody is left out. bad_args when a wave is smaller than the one
// before it or the last does not reach every target.
Expected<std::vector<std::uint64_t>> wave_counts(const std::vector<WaveSize>& sizes, std::uint64_t targets);

// {"sizes":["5","10%"],"success_percent":95,"soak_ms":0}
void to_json(cJSON* o, const WavePlan& p);
Expected<WavePlan> wave_plan_from_json(const cJSON* o);

}  // namespace fleetcast
