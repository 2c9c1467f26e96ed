#pragma once
// A fresh directory under /tmp for one test, removed with everything in it.
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace fleetcast::testing {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = "/tmp/fleetcast-test-XXXXXX";
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace fleetcast::testing
