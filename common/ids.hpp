#pragma once
// Identifiers (device, gateway, model, campaign, firmware, component) appear
// inside MQTT topics and file names, so they are validated once here: 1..64
// characters of [A-Za-z0-9._-]. That excludes '/', '+', '#', NUL and spaces.
#include <string_view>

#include "common/error.hpp"

namespace fleetcast {

inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxVersionLength = 64;

Status validate_id(std::string_view id, std::string_view what);
// Versions are not used in topics but are shown and compared: printable ASCII
// without spaces or wildcards, 1..64 characters.
Status validate_version(std::string_view version);
// Orders versions the way people expect: numeric runs compare as numbers
// ("1.10" > "1.9"), other characters compare bytewise.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace fleetcast
