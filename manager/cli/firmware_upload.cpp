#include "manager/cli/firmware_upload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/sha256.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/view_commands.hpp"

namespace fleetcast::cli {

namespace {

// Reads up to `len` bytes at `offset`; "" at the end of the file, nullopt on an error (printed).
std::optional<std::string> read_piece(int fd, std::uint64_t offset, std::uint64_t len, const std::string& file) {
    std::string buf(len, '\0');
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::cerr << "fleetcast: cannot read " << file << ": " << std::strerror(errno) << "\n";
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    buf.resize(got);
    return buf;
}

struct FileCloser {
    int fd;
    ~FileCloser() { ::close(fd); }
};

}  // namespace

std::optional<Json> upload_image(RequestClient& client, const std::string& file, const FirmwareAddArgs& image,
                                 std::uint64_t piece_size, int& exit_code) {
    exit_code = 1;
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::cerr << "fleetcast: cannot open " << file << ": " << std::strerror(errno) << "\n";
        exit_code = 2;
        return std::nullopt;
    }
    FileCloser closer{fd};
    // The whole image's hash first (one streamed pass): the manager checks the joined pieces against it.
    auto digest = sha256_file(file);
    if (!digest) {
        std::cerr << "fleetcast: " << digest.error().message << "\n";
        return std::nullopt;
    }
    const auto size = static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END));
    FirmwareUploadBeginArgs begin{"", size, to_hex(*digest), image};
    begin.image.path.clear();
    begin.upload = upload_id(begin.sha256, begin.image);
    auto started = call(client, "firmware_upload_begin", json_object(begin), exit_code);
    if (!started) return std::nullopt;
    auto progress = typed_answer(firmware_upload_progress_from_json(started->get()));
    if (!progress) return std::nullopt;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    if (progress->received > 0)
        std::cerr << "fleetcast: resuming upload " << begin.upload << " at " << progress->received << " of " << size
                  << " bytes\n";
    while (progress->received < size) {
        auto data = read_piece(fd, progress->received, std::min(piece_size, size - progress->received), file);
        if (!data) return std::nullopt;
        if (data->empty()) {
            std::cerr << "fleetcast: " << file << " shrank while it was uploaded\n";
            return std::nullopt;
        }
        FirmwareUploadPieceArgs piece{begin.upload, progress->received, std::move(*data), ""};
        piece.sha256 = to_hex(sha256(piece.data));
        auto answer = call(client, "firmware_upload_piece", json_object(piece), exit_code);
        if (!answer) return std::nullopt;
        auto next = typed_answer(firmware_upload_progress_from_json(answer->get()));
        if (!next) return std::nullopt;
        if (next->received <= progress->received) {
            std::cerr << "fleetcast: the manager holds " << next->received << " bytes after a piece at "
                      << progress->received << "\n";
            return std::nullopt;
        }
        progress = next;
        if (tty)
            std::cerr << "\r" << progress_bar(progress->received * 100 / size) << " " << progress->received << "/"
                      << size << " bytes" << std::flush;
    }
    if (tty) std::cerr << "\n";
    return call(client, "firmware_upload_commit", json_object(FirmwareUploadCommitArgs{begin.upload}), exit_code);
}

}  // namespace fleetcast::cli
