#pragma once
// Issue 17: a Manager with images that make good (or useless) deltas, and
// helpers that read what the manager made: schedules, firmware list, links.
#include <fstream>
#include <random>

#include "common/operator_campaign_views.hpp"
#include "common/operator_views.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {

class ManagerDeltaTest : public ManagerTest {
   protected:
    std::filesystem::path write_bytes(const std::string& name, const std::string& bytes) {
        auto path = dir / name;
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path;
    }
    static std::string random_bytes(std::size_t n, unsigned seed) {
        std::mt19937 rng(seed);
        std::string s(n, '\0');
        for (auto& c : s) c = static_cast<char>(rng());
        return s;
    }
    FirmwareManifest add(const std::string& bytes, const std::string& version) {
        auto args = Json::object();
        json::put(args.get(), "path", write_bytes("image-" + version, bytes).string());
        json::put(args.get(), "model", "A123");
        json::put(args.get(), "component", "main");
        json::put(args.get(), "version", version);
        json::put(args.get(), "chunk_size", std::uint64_t{4096});
        auto resp = request("firmware_add", args.dump());
        EXPECT_TRUE(resp.ok) << resp.error;
        auto m = manifest_from_json(resp.data.get());
        return m ? *m : FirmwareManifest{};
    }
    Schedule schedule_of(const std::string& campaign) {
        auto sent = transport.on_topic(*topics::gw_schedule("gw1", campaign));
        EXPECT_FALSE(sent.empty());
        auto s =
            sent.empty() ? Expected<Schedule>(make_error("none", "no schedule")) : decode_schedule(sent.back().payload);
        EXPECT_TRUE(s) << (s ? "" : s.error().str());
        return s ? *s : Schedule{};
    }
    // The gateway fetches every chunk of `m` (as after a schedule).
    void fetch_all(const std::string& gw, const FirmwareManifest& m) {
        deliver(*topics::gw_fetch(gw), encode(FetchRequest{m.fw_id, {{0, m.chunk_count - 1}}}));
        for (int i = 0; i < 100 && mgr->store().transfer(gw, m.fw_id)->chunks_sent < m.chunk_count; ++i) mgr->tick();
    }
    // Issue 17 item 7: the campaign's links as results and campaign list show them.
    std::map<std::string, LinkBytes> results_links(const std::string& campaign) {
        auto resp = request("results", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = results_answer_from_json(resp.data.get());
        EXPECT_TRUE(a && a->links) << (a ? "no links" : a.error().str());
        std::map<std::string, LinkBytes> out;
        if (a && a->links)
            for (const auto& l : *a->links) out[l.gateway] = l;
        return out;
    }
    std::map<std::string, LinkBytes> list_links(const std::string& campaign) {
        auto resp = request("campaign_list", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = campaign_list_answer_from_json(resp.data.get());
        EXPECT_TRUE(a && a->campaigns.size() == 1 && a->campaigns[0].links);
        std::map<std::string, LinkBytes> out;
        if (a && a->campaigns.size() == 1 && a->campaigns[0].links)
            for (const auto& l : *a->campaigns[0].links) out[l.gateway] = l;
        return out;
    }
    std::vector<FirmwareManifest> firmware_list() {
        auto resp = request("firmware_list");
        auto a = firmware_list_answer_from_json(resp.data.get());
        std::vector<FirmwareManifest> out;
        if (a)
            for (const auto& r : a->firmware) out.push_back(r.manifest);
        return out;
    }
};

}  // namespace fleetcast::manager::testing
