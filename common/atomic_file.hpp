#pragma once
// Durable small files: write to a temp file, fsync it, rename over the target,
// fsync the directory. A crash leaves either the old or the new content.
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast {

Status write_file_atomic(const std::filesystem::path& path, std::string_view content);
Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 64 * 1024 * 1024);
Status fsync_dir(const std::filesystem::path& dir);
Status ensure_dir(const std::filesystem::path& dir);

}  // namespace fleetcast
