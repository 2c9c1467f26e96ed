// Firmware upload over MQTT: args, answers and base64 (common/operator_upload.hpp).
#include "common/operator_upload.hpp"

#include <openssl/evp.h>

#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

namespace {
// An image of at most 64 GiB (the manager's --max-upload-size is the real limit).
constexpr std::uint64_t kMaxUploadSize = 64ULL << 30;

Status sha256_field(const cJSON* o, std::string& out) {
    FC_TRY(text, json::get_string(o, "sha256", 64));
    if (!detail::is_sha256_hex(*text)) return make_error("bad_args", "sha256 must be 64 lowercase hex digits");
    out = *text;
    return ok_status();
}
}  // namespace

void to_json(cJSON* o, const FirmwareUploadBeginArgs& a) {
    json::put(o, "upload", a.upload);
    json::put(o, "size", a.size);
    json::put(o, "sha256", a.sha256);
    put_firmware_metadata(o, a.image);
}

void to_json(cJSON* o, const FirmwareUploadPieceArgs& a) {
    json::put(o, "upload", a.upload);
    json::put(o, "offset", a.offset);
    json::put(o, "data", base64_encode(a.data));
    json::put(o, "sha256", a.sha256);
}

void to_json(cJSON* o, const FirmwareUploadCommitArgs& a) { json::put(o, "upload", a.upload); }

void to_json(cJSON* o, const FirmwareUploadProgress& a) {
    json::put(o, "upload", a.upload);
    json::put(o, "received", a.received);
    json::put(o, "size", a.size);
}

Expected<FirmwareUploadBeginArgs> firmware_upload_begin_args_from_json(const cJSON* o) {
    FirmwareUploadBeginArgs a;
    FC_TRY(upload, json::get_id(o, "upload", "upload"));
    a.upload = *upload;
    FC_TRY(size, json::get_uint(o, "size", kMaxUploadSize));
    a.size = *size;
    if (a.size == 0) return make_error("bad_args", "an empty image cannot be uploaded");
    FC_TRY(hash, sha256_field(o, a.sha256));
    FC_TRY(metadata, firmware_metadata_from_json(o, a.image));
    return a;
}

Expected<FirmwareUploadPieceArgs> firmware_upload_piece_args_from_json(const cJSON* o) {
    FirmwareUploadPieceArgs a;
    FC_TRY(upload, json::get_id(o, "upload", "upload"));
    a.upload = *upload;
    FC_TRY(offset, json::get_uint(o, "offset", kMaxUploadSize));
    a.offset = *offset;
    FC_TRY(text, json::get_string(o, "data", (kUploadPieceMax + 2) / 3 * 4));
    FC_TRY(data, base64_decode(*text));
    a.data = std::move(*data);
    if (a.data.empty()) return make_error("bad_args", "a piece without data");
    FC_TRY(hash, sha256_field(o, a.sha256));
    if (to_hex(sha256(a.data)) != a.sha256)
        return make_error("bad_piece", "piece at offset " + std::to_string(a.offset) + " does not match its sha256");
    return a;
}

Expected<FirmwareUploadCommitArgs> firmware_upload_commit_args_from_json(const cJSON* o) {
    FC_TRY(upload, json::get_id(o, "upload", "upload"));
    return FirmwareUploadCommitArgs{*upload};
}

Expected<FirmwareUploadProgress> firmware_upload_progress_from_json(const cJSON* o) {
    FirmwareUploadProgress a;
    FC_TRY(upload, json::get_id(o, "upload", "upload"));
    a.upload = *upload;
    FC_TRY(received, json::get_uint(o, "received", kMaxUploadSize));
    a.received = *received;
    FC_TRY(size, json::get_uint(o, "size", kMaxUploadSize));
    a.size = *size;
    if (a.received > a.size) return make_error("bad_answer", "received more than the image's size");
    return a;
}

std::string upload_id(const std::string& image_sha256, const FirmwareAddArgs& image) {
    const std::string key = image_sha256 + "\n" + image.model + "\n" + image.component + "\n" + image.version + "\n" +
                            std::to_string(image.chunk_size.value_or(0)) + "\n" + (image.allow_downgrade ? "1" : "0");
    return "u-" + to_hex(sha256(key)).substr(0, 24);
}

std::string base64_encode(std::string_view bytes) {
    std::string out((bytes.size() + 2) / 3 * 4, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Expected<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return make_error("bad_args", "base64 length is not a multiple of 4");
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return make_error("bad_args", "data is not base64");
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') ++pad;
    if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

}  // namespace fleetcast
