#include "tests/integration/prod_broker.hpp"

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <map>

#include "tests/support/child_process.hpp"

#ifndef FLEETCAST_SOURCE_DIR
#error "FLEETCAST_SOURCE_DIR must be defined by the build"
#endif

namespace fleetcast::testing {

namespace fs = std::filesystem;

std::string source_file(const std::string& relative) {
    std::ifstream in(std::string(FLEETCAST_SOURCE_DIR) + "/" + relative);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

Expected<std::unique_ptr<ProdBrokerSetup>> ProdBrokerSetup::start(const fs::path& dir,
                                                                  const std::vector<std::string>& identities,
                                                                  const std::string& acl_text) {
    std::unique_ptr<ProdBrokerSetup> s(new ProdBrokerSetup());
    s->dir_ = dir;
    const auto certs = dir / "certs";
    std::vector<std::string> argv{std::string(FLEETCAST_SOURCE_DIR) + "/scripts/make-certs", certs.string()};
    argv.insert(argv.end(), identities.begin(), identities.end());
    auto r = run_command(argv, std::chrono::seconds(60));
    if (r.exit_code != 0) return make_error("make-certs", r.output);
    // mosquitto started as root drops to its own user before it reads the
    // certificates and the ACL: let it through this test's private folder.
    ::chmod(dir.c_str(), 0711);
    ::chmod(certs.c_str(), 0755);
    ::chmod((certs / "broker.key").c_str(), 0644);
    fs::create_directories(dir / "broker");
    ::chmod((dir / "broker").c_str(), 0777);
    const auto acl = dir / "acl";
    std::ofstream(acl) << acl_text;
    ::chmod(acl.c_str(), 0644);
    std::string text = source_file("broker-config/prod.conf");
    if (text.empty()) return make_error("prod.conf", "cannot read broker-config/prod.conf");
    for (const auto& [from, to] :
         std::map<std::string, std::string>{{"/etc/fleetcast/certs/", certs.string() + "/"},
                                            {"/etc/fleetcast/acl", acl.string()},
                                            {"/var/lib/fleetcast/", (dir / "broker").string() + "/"}})
        for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
            text.replace(pos, from.size(), to);
    s->broker_ = Broker::with_config_text(dir / "broker", text);
    return s;
}

MqttOptions ProdBrokerSetup::as(const std::string& identity, const std::string& client_id) const {
    MqttOptions o;
    o.uri = broker_->ssl_uri();
    o.client_id = client_id;
    o.ca_file = (certs() / "ca.crt").string();
    o.cert_file = (certs() / (identity + ".crt")).string();
    o.key_file = (certs() / (identity + ".key")).string();
    return o;
}

std::vector<std::string> ProdBrokerSetup::tls_args(const std::string& identity) const {
    return {"--ca",  (certs() / "ca.crt").string(),           "--cert", (certs() / (identity + ".crt")).string(),
            "--key", (certs() / (identity + ".key")).string()};
}

}  // namespace fleetcast::testing
