// --config FILE on the real programs: a real device agent configured by its
// file alone is updated by a campaign (real broker, manager, gateway); the
// packaged example files (packaging/etc/fleetcast/) are accepted, with the
// command line overriding them; and a bad file stops each program with exit
// code 2 and a message naming the file and the key.
#include <gtest/gtest.h>

#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path kExamples = fs::path(FLEETCAST_SOURCE_DIR) / "packaging" / "etc" / "fleetcast";
const std::string kFileHandler = std::string(FLEETCAST_SOURCE_DIR) + "/handlers/file";

// A temporary directory of config files, removed unless the test failed.
struct ConfigDir {
    fs::path dir;
    ConfigDir() {
        char tmpl[] = "/tmp/fleetcast-conf-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~ConfigDir() {
        if (!::testing::Test::HasFailure()) fs::remove_all(dir);
    }
    fs::path write(const std::string& name, const std::string& text) {
        write_text(dir / name, text);
        return dir / name;
    }
};

// `program ARGS...`: expects exit code 2 (never a crash) and every one of `names` in the message.
void expect_refused(const std::vector<std::string>& argv, const std::vector<std::string>& names) {
    auto r = run_command(argv, 20s);
    EXPECT_EQ(r.exit_code, 2) << argv.front() << ": " << r.output;
    for (const auto& n : names) EXPECT_NE(r.output.find(n), std::string::npos) << "no '" << n << "' in: " << r.output;
}

}  // namespace

TEST(ConfigFile, RealAgentConfiguredByItsFileAloneIsUpdated) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    auto next_key = fleet.make_key_pair("next");  // a second trusted key: the key is repeated in the file
    auto app = fleet.dir() / "box" / "app";
    fs::create_directories(app);
    write_text(app / "bundle.bin", "factory bundle 1.0\n");
    write_text(fleet.dir() / "box" / "file.conf", "TARGET=" + (app / "bundle.bin").string() + "\n");
    auto config = fleet.dir() / "device.conf";
    write_text(config,
               "# the whole agent, configured here\n"
               "id = " +
                   kDevice + "\nmodel = A123\ngateway = gw1\nbroker = " + fleet.uri() +
                   "\nstate-dir = " + fleet.device_dir(kDevice).string() +
                   "\n"
                   "trust-key = " +
                   fleet.trust_key().string() +
                   "\n"
                   "trust-key = " +
                   next_key.replace_extension(".pub").string() +
                   "\n"
                   "firmware = main=1.0\n"
                   "handler = main=" +
                   kFileHandler +
                   "\n"
                   "handler-config = main=" +
                   (fleet.dir() / "box" / "file.conf").string() +
                   "\n"
                   "handler-timeout = install=60s\n"
                   "log-level = debug\n");
    fleet.start_configured_agent(kDevice, config);
    ASSERT_TRUE(fleet.wait_registered(1, 30s)) << "the agent configured by its file never registered";

    auto image = add_main_image(fleet, "2.0", 3 * kDefaultChunkSize + 17);
    auto campaign = create_device_campaign(fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(fleet, campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(sha256_of(app / "bundle.bin"), image.sha256);
    EXPECT_EQ(booted_version(fleet, kDevice), "2.0");
    // The agent that restarted after the install read the same file again.
    auto log = agent_log(fleet);
    EXPECT_NE(log.find("step=commit"), std::string::npos);
    EXPECT_NE(log.find(" DEBUG device "), std::string::npos) << "log-level from the file was not used";
}

TEST(ConfigFile, PackagedExampleFilesAreAcceptedAndTheCommandLineOverridesThem) {
    Fleet fleet;
    // The examples name /etc and /var/lib paths and a fixed broker: the command
    // line gives this fleet's instead (Fleet's argv has --broker, --state-dir, keys, ids).
    fleet.start_manager({"--config", (kExamples / "manager.conf").string()});
    fleet.start_gateway("gw1", "", {"--config", (kExamples / "gateway.conf").string()});
    fleet.start_agent("gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"},
                      {"--config", (kExamples / "device.conf").string()});
    ASSERT_TRUE(fleet.wait_registered(1, 30s));
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(fleet) == "1.0"; }, 20s));
    EXPECT_TRUE(fleet.manager().running());
    EXPECT_TRUE(fleet.gateway("gw1").running());
    EXPECT_TRUE(fleet.device_processes().at(0).running());
}

TEST(ConfigFile, EveryProgramRefusesABadFileWithExitCode2NamingFileAndKey) {
    ConfigDir c;
    auto missing = (c.dir / "missing.conf").string();
    auto unknown = c.write("unknown.conf", "# a typo\nbrokr = tcp://127.0.0.1:1883\n").string();
    struct Program {
        std::string bin;
        std::vector<std::string> tail;  // after the options (the CLI's command)
        std::string bad_key, bad_line;  // a value the option's type refuses
    };
    const std::vector<Program> programs{
        {FLEETCAST_MANAGER_BIN, {}, "time-scale", "time-scale = fast\n"},
        {FLEETCAST_GATEWAY_BIN, {}, "fetch-window", "fetch-window = many\n"},
        {FLEETCAST_DEVICE_BIN, {}, "simulate", "simulate = many\n"},
        {FLEETCAST_CLI_BIN, {"devices"}, "json", "json = maybe\n"},
    };
    for (const auto& p : programs) {
        SCOPED_TRACE(p.bin);
        auto with = [&](const std::string& file) {
            std::vector<std::string> argv{p.bin, "--config", file};
            argv.insert(argv.end(), p.tail.begin(), p.tail.end());
            return argv;
        };
        expect_refused(with(missing), {missing, "does not exist"});
        expect_refused(with(unknown), {unknown + " line 2", "'brokr'", "unknown key"});
        auto bad = c.write(p.bad_key + ".conf", "broker = tcp://127.0.0.1:1883\n" + p.bad_line).string();
        expect_refused(with(bad), {bad + " line 2", "'" + p.bad_key + "'"});
    }
    // A value the program itself checks later names the file too.
    auto late = c.write("gateway.conf", "id = gw1\nstate-dir = " + (c.dir / "gw").string() +
                                            "\ntrust-key = /nonexistent.pub\nready-timeout = soon\n");
    expect_refused({FLEETCAST_GATEWAY_BIN, "--config", late.string()},
                   {"--ready-timeout", "(ready-timeout set in " + late.string() + ")"});
}
