#pragma once
// JSON text written in a test, parsed; a typo fails the test where it is used.
#include <gtest/gtest.h>

#include "common/json.hpp"

namespace fleetcast::testing {

inline Json parse_json(const char* text) {
    auto j = Json::parse(text);
    EXPECT_TRUE(j) << text;
    return j ? std::move(*j) : Json::object();
}

}  // namespace fleetcast::testing
