// Issue 17: the compressed-image decoder (a zstd frame without a source),
// as a device runs it on the wire bytes of a compressed image. Input: target
// size (u16 little-endian) then the frame; pieces of at most 4 KiB, as chunks.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/zstd_artifact.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    if (input.size() < 2) return;
    const std::size_t size = static_cast<unsigned char>(input[0]) | static_cast<unsigned char>(input[1]) << 8;
    if (size == 0) return;
    std::string_view frame = input.substr(2);
    std::vector<char> out(size);
    std::size_t at = 0;
    fleetcast::ArtifactReader reader = [&]() -> fleetcast::Expected<std::string_view> {
        auto piece = frame.substr(at, std::min<std::size_t>(4096, frame.size() - at));
        at += piece.size();
        return piece;
    };
    auto n = fleetcast::zstd_decode_into({}, reader, out.data(), out.size());
    if (n && *n != size) std::abort();
}
