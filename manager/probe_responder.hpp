#pragma once
// Answers a gateway's rate probe (R9): the gateway asks for N bytes on
// gw/{gw}/probe, the manager sends them on gw/{gw}/probe/data, and the gateway
// times the round trip. Used only while the gateway has no measured figure.
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/transport.hpp"

namespace fleetcast::manager {

// Bad input (malformed request, too large) is an error; nothing is sent then.
Status answer_probe(Transport& transport, const std::string& gateway, std::string_view payload);

}  // namespace fleetcast::manager
