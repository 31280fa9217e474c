// Per-domain files the toolstack keeps next to a running domain, named as libxl names them:
// DIR/userdata-d.<domid>.<uuid>.<key> (DIR is XEN_LIB_DIR, /var/lib/xen). xl keeps the
// configuration a domain was created from under key "xl", for `xl list -l` and restarts.
#pragma once

#include <optional>
#include <string>

#include "toolstack/hypervisor.h"

namespace tessera::toolstack {

class UserdataStore {
public:
    static constexpr const char* kDefaultDir = "/var/lib/xen";

    explicit UserdataStore(std::string dir = kDefaultDir) : dir_(std::move(dir)) {}

    const std::string& dir() const { return dir_; }
    std::string path(DomId dom, const Uuid& uuid, const std::string& key) const;

    /// Writes atomically (temporary file, then rename), creating DIR if needed.
    Result<void> save(DomId dom, const Uuid& uuid, const std::string& key,
                      const std::string& data) const;
    /// nullopt when there is no such file.
    Result<std::optional<std::string>> load(DomId dom, const Uuid& uuid,
                                            const std::string& key) const;
    /// Removes every file of domain `dom` (whatever its UUID and key).
    void remove_all(DomId dom) const;

private:
    std::string dir_;
};

}  // namespace tessera::toolstack
