// --config FILE (common/config_file.hpp) on real files: what the file sets,
// what the command line replaces, and the errors a bad file gives.
#include "common/config_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace fleetcast;

namespace {

// The options of a small program, and a temporary directory for its files.
struct ConfigFileParse : ::testing::Test {
    std::string broker, state_dir, duration;
    std::vector<std::string> keys;
    unsigned count = 0;
    bool quiet = false;
    po::options_description desc{"test options"};
    po::variables_map vm;
    fs::path dir;

    void SetUp() override {
        desc.add_options()("help,h", "help")("broker", po::value(&broker)->default_value("tcp://127.0.0.1:1883"),
                                             "broker")("state-dir", po::value(&state_dir)->required(), "state")(
            "trust-key", po::value(&keys)->composing(), "keys")("count", po::value(&count)->default_value(1), "n")(
            "ready-timeout", po::value(&duration), "d")("quiet", po::bool_switch(&quiet), "q");
        add_config_option(desc);
        char tmpl[] = "/tmp/fleetcast-config-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    void TearDown() override { fs::remove_all(dir); }

    fs::path file(const std::string& text) {
        auto p = dir / "program.conf";
        std::ofstream(p) << text;
        return p;
    }
    Expected<OptionSources> parse(std::vector<std::string> args) {
        args.insert(args.begin(), "program");
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        return parse_with_config(static_cast<int>(argv.size()), argv.data(), desc, vm);
    }
};

}  // namespace

TEST_F(ConfigFileParse, FileSetsOptionsAndRepeatedKeysCompose) {
    auto f = file(
        "# a packaged install\nstate-dir = /var/lib/fleetcast/test\nbroker=tcp://gw:1883\n\n"
        "trust-key = /etc/a.pub\ntrust-key = /etc/b.pub\ncount = 7\nquiet = true\n");
    auto r = parse({"--config", f.string()});
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(state_dir, "/var/lib/fleetcast/test");
    EXPECT_EQ(broker, "tcp://gw:1883");
    EXPECT_EQ(keys, (std::vector<std::string>{"/etc/a.pub", "/etc/b.pub"}));
    EXPECT_EQ(count, 7u);
    EXPECT_TRUE(quiet);
    EXPECT_EQ(r->file(), f);
    EXPECT_TRUE(r->from_file("broker"));
}

TEST_F(ConfigFileParse, CommandLineReplacesTheFilesValuesEvenOfARepeatableOption) {
    auto f = file("state-dir = /var/lib/x\nbroker = tcp://file:1883\ntrust-key = /etc/a.pub\ntrust-key = /etc/b.pub\n");
    auto r = parse({"--broker", "tcp://cli:1883", "--config", f.string(), "--trust-key", "/tmp/k.pub"});
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(broker, "tcp://cli:1883");
    EXPECT_EQ(keys, (std::vector<std::string>{"/tmp/k.pub"}));
    EXPECT_EQ(state_dir, "/var/lib/x");
    EXPECT_FALSE(r->from_file("broker"));
    EXPECT_TRUE(r->from_file("state-dir"));
}

TEST_F(ConfigFileParse, WithoutConfigOnlyTheCommandLineCounts) {
    auto r = parse({"--state-dir", "/tmp/s"});
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_TRUE(r->file().empty());
    EXPECT_EQ(broker, "tcp://127.0.0.1:1883");
}

TEST_F(ConfigFileParse, MissingFileIsAnErrorNamingIt) {
    auto r = parse({"--config", (dir / "nope.conf").string()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_config");
    EXPECT_NE(r.error().message.find((dir / "nope.conf").string()), std::string::npos) << r.error().message;
    vm.clear();
    auto d = parse({"--config", dir.string()});
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("not a regular file"), std::string::npos) << d.error().message;
}

TEST_F(ConfigFileParse, UnknownKeyIsAnErrorNamingFileLineAndKey) {
    auto f = file("state-dir = /x\n# comment\nbrokr = tcp://typo:1883\n");
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_config");
    EXPECT_EQ(r.error().message, "config file " + f.string() + " line 3: key 'brokr': unknown key");
}

TEST_F(ConfigFileParse, ValueTheOptionRefusesIsAnErrorNamingFileAndKey) {
    auto f = file("state-dir = /x\ncount = many\n");
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_config");
    EXPECT_NE(r.error().message.find("config file " + f.string() + " line 2: key 'count'"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("many"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileParse, SingleValuedKeyGivenTwiceIsAnError) {
    auto f = file("state-dir = /x\nbroker = tcp://a:1\nbroker = tcp://b:1\n");
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("key 'broker'"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileParse, LineWithoutEqualsSignIsAnErrorNamingTheFile) {
    auto f = file("state-dir = /x\njust some words\n");
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_config");
    EXPECT_NE(r.error().message.find(f.string()), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("just some words"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileParse, ConfigAndHelpOnlyWorkOnTheCommandLine) {
    auto other = file("state-dir = /x\n");
    auto f = dir / "outer.conf";
    std::ofstream(f) << "config = " << other.string() << "\n";
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("key 'config': only works on the command line"), std::string::npos)
        << r.error().message;
}

TEST_F(ConfigFileParse, HelpDoesNotReadTheFile) {
    auto r = parse({"--help", "--config", (dir / "nope.conf").string()});
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_TRUE(vm.count("help"));
}

TEST_F(ConfigFileParse, RequiredOptionMissingFromBothIsAnError) {
    auto f = file("broker = tcp://a:1\n");
    auto r = parse({"--config", f.string()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "bad_option");
    EXPECT_NE(r.error().message.find("state-dir"), std::string::npos) << r.error().message;
}

TEST_F(ConfigFileParse, LaterChecksOfAValueFromTheFileNameTheFile) {
    auto f = file("state-dir = /x\nready-timeout = soon\n");
    auto r = parse({"--config", f.string()});
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(r->explain("--ready-timeout must be a duration"),
              "--ready-timeout must be a duration (ready-timeout set in " + f.string() + ")");
    // An option of the command line, or a longer name that merely starts the same, is not blamed on the file.
    EXPECT_EQ(r->explain("--ready-timeout-max is bad"), "--ready-timeout-max is bad");
    EXPECT_EQ(r->explain("--broker is bad"), "--broker is bad");
}
