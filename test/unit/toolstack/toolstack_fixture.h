// The toolstack over FakeXen and a real xenstored core: what `xl` runs on, minus the devices.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fake_xen.h"
#include "fake_xenstore.h"
#include "toolstack/toolstack.h"

namespace tessera::test {

/// A directory removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "tessera-toolstack-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// A minimal arm64 Image: the header with image_size = 4 MiB, then a recognisable body.
inline std::vector<std::byte> kernel_image() {
    std::vector<std::byte> d(3 * 4096 + 100);
    for (size_t i = 64; i < d.size(); ++i) d[i] = std::byte(i % 251);
    d[0x10] = std::byte{0x00};
    d[0x12] = std::byte{0x40};  // image_size = 4 MiB
    const uint8_t magic[] = {'A', 'R', 'M', 0x64};
    for (int i = 0; i < 4; ++i) d[0x38 + i] = std::byte{magic[i]};
    return d;
}

inline constexpr const char* kGuestCfg =
    "name = 'g'\n"
    "kernel = '/boot/Image'\n"
    "memory = 32\n"
    "vcpus = 2\n"
    "extra = 'console=hvc0'\n"
    "vif = ['bridge=xenbr0']\n"
    "on_reboot = 'restart'\n";

inline toolstack::DomainConfig guest_config(const std::string& extra = "") {
    auto p = toolstack::parse_domain_config(std::string(kGuestCfg) + extra, "g.cfg");
    REQUIRE(p.has_value());
    return p->config;
}

struct ToolstackWorld {
    FakeXen xen;
    FakeXenstore xs;
    TempDir dir;
    toolstack::Toolstack ts{xen.hv, xen.memory, xs.client, toolstack::UserdataStore(dir.path())};

    toolstack::BootFiles files() { return {"/boot/Image", kernel_image(), {}}; }

    /// Creates `config` the way xl create does; returns its domain id.
    toolstack::DomId create(const toolstack::DomainConfig& config, bool paused = false) {
        const std::string text = toolstack::config_userdata(kGuestCfg, {}, config.uuid);
        auto r = ts.create(config, text, files(), paused);
        REQUIRE(r.has_value());
        return r->build.domid;
    }
};

}  // namespace tessera::test
