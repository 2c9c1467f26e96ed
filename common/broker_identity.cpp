#include "common/broker_identity.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "common/ids.hpp"

namespace fleetcast {

Expected<std::string> certificate_common_name(const std::string& cert_file) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(cert_file.c_str(), "r"), &std::fclose);
    if (!f) return make_error("bad_args", "cannot read the certificate " + cert_file);
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) return make_error("bad_args", cert_file + " is not a PEM certificate");
    char cn[256] = {};
    const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
    if (n <= 0) return make_error("bad_args", "the certificate " + cert_file + " has no Common Name");
    std::string name(cn, static_cast<std::size_t>(n));
    auto st = validate_id(name, "identity");
    if (!st) return st.error().with_context("the Common Name of " + cert_file);
    return name;
}

Expected<std::string> broker_identity(const MqttOptions& options) {
    if (!options.cert_file.empty()) return certificate_common_name(options.cert_file);
    std::string name = options.username.empty() ? options.client_id : options.username;
    auto st = validate_id(name, "identity");
    if (!st) return st.error();
    return name;
}

}  // namespace fleetcast
