#pragma once
// The production broker configuration (R24) for one test: broker-config/prod.conf
// as shipped (its /etc and /var paths pointed at the test's folder), an ACL
// file, and certificates made by scripts/make-certs, on a real mosquitto.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/mqtt_session.hpp"
#include "tests/support/broker.hpp"

namespace fleetcast::testing {

class ProdBrokerSetup {
   public:
    // Makes the certificates of `identities` in dir/certs and starts the
    // broker with `acl_text` as its ACL file. Error: what failed.
    static Expected<std::unique_ptr<ProdBrokerSetup>> start(const std::filesystem::path& dir,
                                                            const std::vector<std::string>& identities,
                                                            const std::string& acl_text);
    Broker& broker() { return *broker_; }
    std::filesystem::path certs() const { return dir_ / "certs"; }
    // TLS options of one identity (its certificate and key).
    MqttOptions as(const std::string& identity, const std::string& client_id) const;
    // The same as program options: --ca, --cert, --key.
    std::vector<std::string> tls_args(const std::string& identity) const;

   private:
    std::filesystem::path dir_;
    std::unique_ptr<Broker> broker_;
};

// A file of the source tree (broker-config/acl, ...) as text; empty when unreadable.
std::string source_file(const std::string& relative);

}  // namespace fleetcast::testing
