#include "device/device_state_store.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"

namespace fleetcast::device {

namespace {
constexpr std::size_t kFactoryImageSize = 4096;
}

std::filesystem::path DeviceStateStore::slot_path(const std::string& component, Slot slot) const {
    return dir_ / "slots" / component / (std::string(to_string(slot)) + ".img");
}

Expected<ComponentState> DeviceStateStore::write_factory_image(const std::string& model, const std::string& component,
                                                               const std::string& version) {
    std::string line =
        "fleetcast factory image model=" + model + " component=" + component + " version=" + version + "\n";
    std::string image;
    image.reserve(kFactoryImageSize);
    while (image.size() < kFactoryImageSize) image += line;
    image.resize(kFactoryImageSize);
    auto path = slot_path(component, Slot::A);
    auto st = ensure_dir(path.parent_path());
    if (!st) return st.error();
    st = write_file_atomic(path, image);
    if (!st) return st.error();
    return ComponentState{Slot::A, version, to_hex(sha256(image))};
}

Expected<DeviceNvState> DeviceStateStore::load_or_create(const std::string& model, const Versions& initial) {
    std::error_code ec;
    if (std::filesystem::exists(state_path(), ec)) {
        auto text = read_file(state_path(), 1024 * 1024);
        if (!text) return text.error();
        auto s = decode_nv_state(*text);
        if (!s) return s.error().with_context(state_path().string());
        return s;
    }
    auto st = ensure_dir(dir_);
    if (!st) return st.error();
    DeviceNvState s;
    for (const auto& [component, version] : initial) {
        auto c = write_factory_image(model, component, version);
        if (!c) return c.error();
        s.components[component] = *c;
    }
    // The state file is written last: a crash before it just redoes the factory setup.
    st = save(s);
    if (!st) return st.error();
    log_info("device", "state_created").kv("dir", dir_.string()).kv("components", s.components.size());
    return s;
}

Status DeviceStateStore::save(const DeviceNvState& s) { return write_file_atomic(state_path(), encode_nv_state(s)); }

}  // namespace fleetcast::device
