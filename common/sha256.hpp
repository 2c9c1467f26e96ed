#pragma once
// SHA-256 through OpenSSL's EVP interface, incremental so images are hashed
// as a stream, never loaded whole.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"

struct evp_md_ctx_st;

namespace fleetcast {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
   public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view data);
    Digest finish();

   private:
    evp_md_ctx_st* ctx_;
};

Digest sha256(std::string_view data);
std::string to_hex(const Digest& d);
// Hashes a file in 1 MiB pieces.
Expected<Digest> sha256_file(const std::filesystem::path& path);

}  // namespace fleetcast
