#pragma once
// libFuzzer entry point shared by the decoder fuzz targets (R25). Each target
// defines fuzz_one(); a decoder may return an error for any input, but must
// never crash, hang, leak or hit undefined behaviour (ASan + UBSan are on).
#include <cstddef>
#include <cstdint>
#include <string_view>

void fuzz_one(std::string_view input);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
