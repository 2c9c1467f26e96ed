#include <gtest/gtest.h>

#include <vector>

#include "common/ids.hpp"

using namespace fleetcast;

TEST(Ids, AcceptsTypeSerialIds) {
    EXPECT_TRUE(validate_id("A123-456789", "device"));
    EXPECT_TRUE(validate_id("gw_site.1", "gateway"));
}

TEST(Ids, RejectsWildcardsSlashesNulAndSpaces) {
    for (const std::string& bad :
         std::vector<std::string>{"a+b", "a#", "a/b", std::string("a\0b", 3), "a b", "", "..", "\xc3\xa9"}) {
        auto st = validate_id(bad, "device");
        EXPECT_FALSE(st) << "accepted '" << bad << "'";
        if (!st) {
            EXPECT_EQ(st.error().code, "bad_id");
        }
    }
}

TEST(Ids, RejectsOverlongIds) {
    EXPECT_TRUE(validate_id(std::string(64, 'a'), "device"));
    EXPECT_FALSE(validate_id(std::string(65, 'a'), "device"));
}

TEST(Ids, VersionsCompareNumerically) {
    EXPECT_LT(compare_versions("1.9", "1.10"), 0);
    EXPECT_GT(compare_versions("2.0", "1.99"), 0);
    EXPECT_EQ(compare_versions("1.02", "1.2"), 0);
    EXPECT_LT(compare_versions("VerA", "VerC"), 0);
    EXPECT_LT(compare_versions("1.0", "1.0.1"), 0);
}

TEST(Ids, VersionRejectsSpacesAndWildcards) {
    EXPECT_TRUE(validate_version("2.0.1+build7"));
    EXPECT_FALSE(validate_version("2 0"));
    EXPECT_FALSE(validate_version("2#"));
    EXPECT_FALSE(validate_version(""));
}
