#pragma once
// The broker identity an operator's requests carry in their topic
// (mgr/req/{identity}/{client}, topics.md "Operator request / response"):
// what the broker's ACL knows the connection as. With a client certificate
// that is its Common Name (use_identity_as_username), else the user name of
// password-file auth, else (an open dev broker) the client id.
#include <string>

#include "common/error.hpp"
#include "common/mqtt_session.hpp"

namespace fleetcast {

// The CN of the PEM certificate at `cert_file`; bad_args when it cannot be
// read or its CN is not a valid id (common/ids.hpp).
Expected<std::string> certificate_common_name(const std::string& cert_file);
// As above: the certificate's CN, the user name, or the client id.
Expected<std::string> broker_identity(const MqttOptions& options);

}  // namespace fleetcast
