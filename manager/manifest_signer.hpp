#pragma once
// The manager's side of R21: every manifest it hands out is signed with its
// Ed25519 key and carries an expiry (common/manifest_signing.hpp). Manifests
// are signed when an image is added and re-signed with a later expiry when a
// schedule needs them valid for longer than their stored signature lasts.
#include <memory>

#include "common/clock.hpp"
#include "common/manifest_signing.hpp"

namespace fleetcast::manager {

class ManifestSigner {
   public:
    ManifestSigner(std::shared_ptr<const SigningKey> key, Millis validity)
        : key_(std::move(key)), validity_(validity) {}

    // Signs with expires_at = max(now + validity, valid_until).
    Expected<FirmwareManifest> sign(FirmwareManifest m, TimePoint now, TimePoint valid_until = {}) const;
    // `m` itself when its signature (by this key) lasts until `valid_until`, else re-signed.
    Expected<FirmwareManifest> fresh(const FirmwareManifest& m, TimePoint now, TimePoint valid_until) const;
    Millis validity() const { return validity_; }

   private:
    std::shared_ptr<const SigningKey> key_;
    Millis validity_;
};

}  // namespace fleetcast::manager
