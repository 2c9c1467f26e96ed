// Firmware upload over MQTT on a real broker (issue 19 item 1): the CLI reads
// the image from a directory of its own and streams it to the manager; an
// upload killed half way resumes where the manager's copy ends. An
// independent subscriber (mosquitto_sub) records every operator request.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <sstream>

#include "common/json.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPiece = 4096;

// One operator request as the capture saw it.
struct SeenRequest {
    std::string client;
    std::string op;
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0;  // piece bytes (base64 decoded length)
    std::string text;
};

std::vector<SeenRequest> read_capture(const std::filesystem::path& file) {
    std::vector<SeenRequest> out;
    std::ifstream in(file);
    std::string line;
    const std::string prefix = "fleetcast/v1/mgr/req/";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        auto space = line.find(' ');
        if (space == std::string::npos) continue;
        SeenRequest r;
        r.client = line.substr(prefix.size(), space - prefix.size());
        r.text = line.substr(space + 1);
        auto j = Json::parse(r.text);
        if (!j) continue;
        r.op = json::get_optional_string(j->get(), "op").value_or("");
        const cJSON* args = cJSON_GetObjectItemCaseSensitive(j->get(), "args");
        if (r.op == "firmware_upload_piece" && args) {
            auto offset = json::get_uint(args, "offset", UINT64_MAX / 2);
            r.offset = offset ? *offset : 0;
            r.bytes = json::get_optional_string(args, "data").value_or("").size() / 4 * 3;
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::uint64_t held_by_manager(const std::filesystem::path& uploads) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(uploads, ec))
        if (e.path().extension() == ".part") return e.file_size(ec);
    return 0;
}

TEST(Upload, FirmwareAddFromAnotherDirectoryStreamsTheImageAndResumesAfterADroppedConnection) {
    Fleet fleet;
    fleet.start_manager();
    // The operator's own directory: nothing the manager is told of or reads.
    auto image = fleet.make_image("A123", "main", "2.0", 600 * 1024 + 1234);
    const auto desk = fleet.dir() / "operator-desk";
    std::filesystem::create_directories(desk);
    const auto file = desk / "printer-2.0.img";
    std::filesystem::copy_file(image.path, file);

    // The independent subscriber: every request the CLI sends, as it crosses the broker.
    const auto port = fleet.uri().substr(fleet.uri().rfind(':') + 1);
    const auto capture = fleet.dir() / "requests.txt";
    ChildProcess sub({"mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-v", "-t", "fleetcast/v1/mgr/req/#", "-t",
                      "fleetcast/v1/test/ready"},
                     capture);
    ASSERT_TRUE(eventually(
        [&] {
            run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-t", "fleetcast/v1/test/ready", "-m", "1"},
                        5s);
            std::ifstream in(capture);
            std::string text((std::istreambuf_iterator<char>(in)), {});
            return text.find("fleetcast/v1/test/ready") != std::string::npos;
        },
        20s));

    const std::vector<std::string> add{FLEETCAST_CLI_BIN,
                                       "--broker",
                                       fleet.uri(),
                                       "firmware",
                                       "add",
                                       file.string(),
                                       "--model",
                                       "A123",
                                       "--component",
                                       "main",
                                       "--version",
                                       "2.0",
                                       "--piece-size",
                                       std::to_string(kPiece)};
    const auto uploads = fleet.dir() / "manager" / "uploads";
    // Broken off: the CLI is killed (kill -9) once the manager holds 32 KiB of the image.
    {
        ChildProcess first(add, fleet.dir() / "upload-1.log");
        ASSERT_TRUE(eventually([&] { return held_by_manager(uploads) >= 32 * 1024 || !first.running(); }, 60s));
        first.signal(SIGKILL);
        first.wait_exit(10s);
    }
    const auto held = held_by_manager(uploads);
    ASSERT_GT(held, 0u);
    ASSERT_LT(held, image.size) << "the first upload finished before it was killed: nothing to resume";

    // Again: only what the manager lacks is sent.
    auto r = fleet.cli({"firmware", "add", file.string(), "--model", "A123", "--component", "main", "--version", "2.0",
                        "--piece-size", std::to_string(kPiece), "--json"},
                       120s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("resuming upload"), std::string::npos) << r.output;

    // What crossed the broker, per CLI run (client id).
    auto seen = read_capture(capture);
    std::map<std::string, std::vector<SeenRequest>> by_client;
    for (auto& s : seen) by_client[s.client].push_back(s);
    ASSERT_EQ(by_client.size(), 2u) << "expected two CLI runs";
    std::uint64_t piece_bytes = 0;
    const std::vector<SeenRequest>* second = nullptr;
    for (const auto& [client, reqs] : by_client) {
        ASSERT_FALSE(reqs.empty());
        EXPECT_EQ(reqs.front().op, "firmware_upload_begin") << client;
        if (reqs.back().op == "firmware_upload_commit") second = &reqs;
        for (const auto& q : reqs) {
            piece_bytes += q.bytes;
            // No request names a path: the manager never reads the operator's files.
            EXPECT_EQ(q.text.find("\"path\""), std::string::npos) << q.text.substr(0, 200);
            EXPECT_EQ(q.text.find(desk.string()), std::string::npos) << q.text.substr(0, 200);
        }
    }
    ASSERT_NE(second, nullptr) << "no run committed the upload";
    std::uint64_t first_offset = UINT64_MAX, pieces = 0;
    for (const auto& q : *second)
        if (q.op == "firmware_upload_piece") {
            first_offset = std::min(first_offset, q.offset);
            ++pieces;
        }
    EXPECT_GT(first_offset, 0u) << "the second run started over";
    EXPECT_EQ(pieces, (image.size - first_offset + kPiece - 1) / kPiece);
    // Over both runs at most one piece crossed twice (the one in flight when the CLI died).
    EXPECT_LE(piece_bytes, image.size + kPiece);

    auto answer = Json::parse(r.output.substr(std::min(r.output.find('{'), r.output.size())));
    ASSERT_TRUE(answer) << r.output;
    auto m = manifest_from_json(answer->get());
    ASSERT_TRUE(m) << r.output;
    EXPECT_EQ(m->sha256, image.sha256);
    auto stored = sha256_file(fleet.dir() / "manager" / "images" / image.sha256);
    ASSERT_TRUE(stored);
    EXPECT_EQ(to_hex(*stored), image.sha256);
    EXPECT_TRUE(std::filesystem::is_empty(uploads)) << "the finished upload's files are left";
    sub.stop();
    if (HasFailure()) fleet.dump_logs_on_failure();
}

}  // namespace
