#include "manager/manifest_signer.hpp"

#include <algorithm>

namespace fleetcast::manager {

Expected<FirmwareManifest> ManifestSigner::sign(FirmwareManifest m, TimePoint now, TimePoint valid_until) const {
    if (!key_) return make_error("bad_key", "the manager has no signing key");
    m.expires_at = std::max(now + validity_, valid_until);
    auto st = sign_manifest(m, *key_);
    if (!st) return st.error();
    return m;
}

Expected<FirmwareManifest> ManifestSigner::fresh(const FirmwareManifest& m, TimePoint now,
                                                 TimePoint valid_until) const {
    if (key_ && !m.signature.empty() && m.key_id == key_->key_id() && m.expires_at && *m.expires_at > valid_until &&
        *m.expires_at > now)
        return m;
    return sign(m, now, valid_until);
}

}  // namespace fleetcast::manager
