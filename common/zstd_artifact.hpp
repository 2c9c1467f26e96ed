#pragma once
// Issue 17: the zstd encodings an image crosses the links in. A delta is the
// target image compressed with the source image as zstd's prefix (what `zstd
// --patch-from` does: long-distance matching, a window that covers the
// source); a compressed image is the same without a source. Decoding streams:
// the source is mapped read-only (clean page cache), the output is the
// mapped target file written in place (zstd's stable output buffer: no window
// buffer of its own), the artifact is read in small pieces. So a device's
// anonymous memory does not grow with the image.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast {

inline constexpr int kDefaultZstdLevel = 19;

// Writes to `out` (fsynced) the zstd frame of `target`, with `source` as
// prefix when not empty. Returns the bytes written. Errors: io, zstd.
Expected<std::uint64_t> zstd_encode_file(const std::filesystem::path& source, const std::filesystem::path& target,
                                         const std::filesystem::path& out, int level = kDefaultZstdLevel);

// One piece of the artifact at a time; an empty piece: the end.
using ArtifactReader = std::function<Expected<std::string_view>()>;

// Decodes one frame from `next` into out[0, out_size), referencing `prefix`
// (empty: no source). The frame must fill exactly out_size bytes and be all
// of the input. Errors: bad_artifact (why), or the reader's error.
Expected<std::uint64_t> zstd_decode_into(std::string_view prefix, const ArtifactReader& next, char* out,
                                         std::size_t out_size);

struct DecodedImage {
    std::string sha256;  // hex, of the bytes written
    std::uint64_t size = 0;
};

// Decodes `artifact` (with `source` mapped as prefix when not empty) into
// `out`, created with exactly `target_size` bytes and fsynced; hashes it.
Expected<DecodedImage> zstd_decode_file(const std::filesystem::path& source, const std::filesystem::path& artifact,
                                        const std::filesystem::path& out, std::uint64_t target_size);

}  // namespace fleetcast
