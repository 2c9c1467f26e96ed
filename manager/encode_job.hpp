#pragma once
// Issue 17 follow-up: one artifact to make (a delta, or a compressed image)
// as the worker thread sees it: paths and numbers only, no database, no
// clock, no signing key. The loop builds the job (FirmwareRepository), the
// worker runs it (run_encode_job), the loop records the outcome.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/messages.hpp"
#include "common/sha256.hpp"

namespace fleetcast::manager {

// (source image SHA-256, target image SHA-256); the source is empty for a compressed image.
using EncodingKey = std::pair<std::string, std::string>;

struct EncodeJob {
    std::optional<FirmwareManifest> source;  // none: the compressed image
    FirmwareManifest target;
    std::filesystem::path source_path;  // images/{sha256}
    std::filesystem::path target_path;
    std::filesystem::path images_dir;  // where the temp file is written and renamed
    int level = 0;
    double max_ratio = 0;  // of the target's size
    EncodingKey key() const { return {source ? source->sha256 : std::string(), target.sha256}; }
    const char* what() const { return source ? "delta" : "compressed"; }
};

struct EncodeOutcome {
    enum class Result { Made, TooBig, Failed };
    EncodeJob job;
    Result result = Result::Failed;
    std::string sha256;                // Made: of the artifact, now at images/{sha256}
    std::uint64_t size = 0;            // Made, TooBig: the artifact's bytes
    std::vector<Digest> chunk_sha256;  // Made: per target.chunk_size
    std::string error;                 // Failed
    std::int64_t ms = 0;               // time spent
};

// Encodes into a temp file of images_dir; renames it to images/{sha256}
// only when whole and fsynced (a kill leaves a `.delta-*` temp, never a
// half artifact under its final name). Touches only files: safe on any
// thread.
EncodeOutcome run_encode_job(const EncodeJob& job);

}  // namespace fleetcast::manager
