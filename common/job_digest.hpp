#pragma once
// R27: one short fingerprint of what a side holds of a campaign's jobs, so a
// gateway and the manager can tell in one report whether they agree. Both
// sides compute it the same way: the first 16 hex digits of the SHA-256 of
// the lines "{device} {state}\n" sorted (state as in job reports), so the
// order rows are read in does not matter.
#include <string>
#include <utility>
#include <vector>

#include "common/messages.hpp"

namespace fleetcast {

using JobStateRow = std::pair<std::string, JobState>;  // device, state
std::string job_digest(std::vector<JobStateRow> rows);

}  // namespace fleetcast
