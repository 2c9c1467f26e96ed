#pragma once
// Firmware upload over MQTT (issue 19 item 1): the CLI streams an image to
// the manager in pieces over the operator request topics, so it runs on any
// machine that reaches the broker. Three ops (topics.md "Operator request /
// response"): firmware_upload_begin (the image's size, SHA-256 and metadata;
// answers how many bytes the manager already holds, so a broken upload
// resumes), firmware_upload_piece (bytes at an offset, base64, with their own
// SHA-256), firmware_upload_commit (checks size and SHA-256 of the whole, then
// adds the image like firmware_add; answers its manifest).
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/operator_messages.hpp"

namespace fleetcast {

// A piece's bytes: 256 KiB (about 350 KB of JSON, inside the manager's 1 MiB request limit).
inline constexpr std::uint64_t kUploadPieceMax = 256 * 1024;

struct FirmwareUploadBeginArgs {
    std::string upload;  // id chosen by the CLI from the image and its metadata: the same upload resumes
    std::uint64_t size = 0;
    std::string sha256;     // of the whole image, 64 hex digits
    FirmwareAddArgs image;  // model, component, version, chunk_size, allow_downgrade (no path)
};
struct FirmwareUploadPieceArgs {
    std::string upload;
    std::uint64_t offset = 0;  // must be what the manager holds: pieces come in order
    std::string data;          // raw bytes (base64 on the wire)
    std::string sha256;        // of `data`
};
struct FirmwareUploadCommitArgs {
    std::string upload;
};
// The answer of begin and piece: the bytes the manager holds, stored (fsynced).
struct FirmwareUploadProgress {
    std::string upload;
    std::uint64_t received = 0;
    std::uint64_t size = 0;
};

void to_json(cJSON* o, const FirmwareUploadBeginArgs& a);
void to_json(cJSON* o, const FirmwareUploadPieceArgs& a);
void to_json(cJSON* o, const FirmwareUploadCommitArgs& a);
void to_json(cJSON* o, const FirmwareUploadProgress& a);
Expected<FirmwareUploadBeginArgs> firmware_upload_begin_args_from_json(const cJSON* o);
Expected<FirmwareUploadPieceArgs> firmware_upload_piece_args_from_json(const cJSON* o);
Expected<FirmwareUploadCommitArgs> firmware_upload_commit_args_from_json(const cJSON* o);
Expected<FirmwareUploadProgress> firmware_upload_progress_from_json(const cJSON* o);

// The upload id of an image and its metadata: "u-" and 24 hex digits of a
// SHA-256 over them (the same file and metadata always resume the same upload).
std::string upload_id(const std::string& image_sha256, const FirmwareAddArgs& image);

// RFC 4648 base64 (OpenSSL); decoding refuses anything that is not.
std::string base64_encode(std::string_view bytes);
Expected<std::string> base64_decode(std::string_view text);

}  // namespace fleetcast
