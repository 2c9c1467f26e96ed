#pragma once
// The broker connection options every program takes (R24): TLS with a CA, a
// client certificate and key (the certificate's CN is the identity the broker's
// ACL pins), or a user name and password. --ca/--cert/--key are the names in
// the README; --ca-file/--cert-file/--key-file are kept as aliases.
// Header-only so the common library does not depend on Boost.Program_options.
#include <boost/program_options.hpp>

#include "common/mqtt_session.hpp"

namespace fleetcast {

inline void add_connection_options(boost::program_options::options_description& desc, MqttOptions& mqtt) {
    namespace po = boost::program_options;
    desc.add_options()                                                                                       //
        ("ca", po::value(&mqtt.ca_file), "CA certificate: enables TLS (use an ssl:// broker URI)")           //
        ("cert", po::value(&mqtt.cert_file), "client certificate (PEM); its CN is this program's identity")  //
        ("key", po::value(&mqtt.key_file), "client private key (PEM)")                                       //
        ("ca-file", po::value(&mqtt.ca_file), "alias of --ca")                                               //
        ("cert-file", po::value(&mqtt.cert_file), "alias of --cert")                                         //
        ("key-file", po::value(&mqtt.key_file), "alias of --key")                                            //
        ("username", po::value(&mqtt.username), "broker user name (password-file auth)")                     //
        ("password", po::value(&mqtt.password), "broker password");
}

}  // namespace fleetcast
