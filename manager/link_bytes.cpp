#include "manager/link_bytes.hpp"

#include <map>

namespace fleetcast::manager {

std::vector<LinkBytes> link_bytes(const std::vector<std::string>& gateways, const std::vector<TransferRecord>& sent,
                                  const std::set<std::string>& images, const std::vector<FirmwareRecord>& firmware) {
    // The images' installed SHA-256s, then every artifact of them by fw id.
    std::set<std::string> image_sha;
    for (const auto& f : firmware)
        if (!f.manifest.encoding && images.count(f.manifest.fw_id)) image_sha.insert(f.manifest.sha256);
    std::map<std::string, const FirmwareManifest*> artifacts;
    for (const auto& f : firmware) {
        const auto& m = f.manifest;
        if (m.encoding ? image_sha.count(m.encoding->target_sha256) > 0 : images.count(m.fw_id) > 0)
            artifacts[m.fw_id] = &m;
    }
    std::map<std::string, LinkBytes> by_gw;
    for (const auto& gw : gateways) by_gw[gw].gateway = gw;
    for (const auto& t : sent) {
        auto link = by_gw.find(t.gateway);
        auto a = artifacts.find(t.fw_id);
        if (link == by_gw.end() || a == artifacts.end()) continue;
        const FirmwareManifest& m = *a->second;
        link->second.bytes += t.bytes_sent;
        if (!m.encoding || m.size == 0 || m.encoding->target_size <= m.size) continue;
        // As full images: the share of the artifact sent, of the target's size.
        const long double full = static_cast<long double>(t.bytes_sent) *
                                 static_cast<long double>(m.encoding->target_size) / static_cast<long double>(m.size);
        link->second.saved += static_cast<std::uint64_t>(full + 0.5L) - t.bytes_sent;
    }
    std::vector<LinkBytes> out;
    for (auto& [gw, l] : by_gw) out.push_back(std::move(l));
    return out;
}

Expected<std::vector<LinkBytes>> campaign_link_bytes(ManagerStore& store, const std::string& campaign) {
    auto gateways = store.campaign_gateways(campaign);
    if (!gateways) return gateways.error();
    auto sent = store.campaign_transfers(campaign);
    if (!sent) return sent.error();
    auto images = store.campaign_images(campaign);
    if (!images) return images.error();
    auto firmware = store.list_firmware();
    if (!firmware) return firmware.error();
    return link_bytes(*gateways, *sent, *images, *firmware);
}

}  // namespace fleetcast::manager
