// Issue 17: the delta decoder as a device runs it on bytes whose chunks
// matched the signed manifest (so only a compromised manager could send
// them): a zstd frame against a fixed source, decoded into a buffer of the
// signed target size. Input: target size (u16 little-endian, at most 64 KiB)
// then the frame.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/zstd_artifact.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {
// The source image: the same 8 KiB every run (tests/fuzz/corpus/delta was made against it).
const std::string& source() {
    static const std::string s = [] {
        std::string out(8192, '\0');
        std::uint32_t x = 12345;
        for (auto& c : out) {
            x = x * 1103515245u + 12345u;
            c = static_cast<char>(x >> 24);
        }
        return out;
    }();
    return s;
}
}  // namespace

void fuzz_one(std::string_view input) {
    if (input.size() < 2) return;
    const std::size_t size = static_cast<unsigned char>(input[0]) | static_cast<unsigned char>(input[1]) << 8;
    if (size == 0) return;
    std::string_view frame = input.substr(2);
    std::vector<char> out(size);
    bool given = false;
    fleetcast::ArtifactReader reader = [&]() -> fleetcast::Expected<std::string_view> {
        if (given) return std::string_view();
        given = true;
        return frame;
    };
    auto n = fleetcast::zstd_decode_into(source(), reader, out.data(), out.size());
    // Decoded means exactly the signed size, never more.
    if (n && *n != size) std::abort();
}
