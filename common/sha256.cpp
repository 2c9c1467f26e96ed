#include "common/sha256.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace fleetcast {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("EVP sha256 init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

Digest Sha256::finish() {
    Digest d{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, d.data(), &len);
    EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
    return d;
}

Digest sha256(std::string_view data) {
    Digest d{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr);
    return d;
}

std::string to_hex(const Digest& d) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (auto b : d) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

Expected<Digest> sha256_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("io", "cannot open " + path.string());
    Sha256 h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        auto n = in.gcount();
        if (n > 0) h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    if (in.bad()) return make_error("io", "read error on " + path.string());
    return h.finish();
}

}  // namespace fleetcast
