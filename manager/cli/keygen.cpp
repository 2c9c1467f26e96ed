// `fleetcast keygen`: the manager's Ed25519 signing key pair (R21). Local, no broker.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "common/manifest_signing.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/commands.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

int keygen(const std::vector<std::string>& args) {
    std::string out_dir = ".", name = "manager";
    bool force = false;
    po::options_description desc("keygen");
    desc.add_options()("out", po::value(&out_dir), "directory for NAME.key and NAME.pub (default .)")(
        "name", po::value(&name), "file name stem (default manager)")("force", po::bool_switch(&force),
                                                                      "overwrite an existing key");
    parse(args, desc);
    std::filesystem::path dir(out_dir);
    auto priv = dir / (name + ".key"), pub = dir / (name + ".pub");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (std::filesystem::exists(priv) && !force) {
        std::cerr << "fleetcast: " << priv.string() << " exists; use --force to replace it\n";
        return 1;
    }
    auto key = SigningKey::generate();
    if (!key) {
        std::cerr << "fleetcast: " << key.error().str() << "\n";
        return 1;
    }
    auto st = key->save(priv, pub);
    if (!st) {
        std::cerr << "fleetcast: " << st.error().str() << "\n";
        return 1;
    }
    // Private key for the manager only (--signing-key); the public key goes to every gateway and device (--trust-key).
    std::cout << "key_id " << key->key_id() << "\nprivate " << priv.string() << "\npublic " << pub.string() << "\n";
    return 0;
}

}  // namespace fleetcast::cli
