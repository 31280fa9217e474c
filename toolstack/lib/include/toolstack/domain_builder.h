// Domain creation as a sequence of hypervisor and xenstore steps (libxl + libxenguest for Arm).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "toolstack/domain_config.h"
#include "toolstack/hypervisor.h"
#include "toolstack/kernel_image.h"
#include "toolstack/result.h"

namespace tessera::toolstack {

/// Guest frames of the special pages in the magic region (offsets as libxenguest's Arm builder).
inline constexpr uint64_t kMagicFirstGfn = GUEST_MAGIC_BASE >> kXenPageShift;
inline constexpr uint64_t kConsoleGfn = kMagicFirstGfn + 0;
inline constexpr uint64_t kXenstoreGfn = kMagicFirstGfn + 1;
inline constexpr uint64_t kMagicPages = 4;  ///< console, xenstore, memaccess ring, vuart

/// Extra KiB above maxmem that libxl allows a domain (LIBXL_MAXMEM_CONSTANT).
inline constexpr uint64_t kMaxMemSlackKib = 1024;

/// A file's bytes in memory. Unlike std::vector, the buffer is not zeroed before the file is
/// read into it: for a kernel of tens of MiB in a dom0 under emulation, that zeroing cost more
/// than the read.
class FileBytes {
public:
    FileBytes() = default;
    explicit FileBytes(std::size_t size) : data_(new std::byte[size]), size_(size) {}
    FileBytes(const std::vector<std::byte>& bytes) : FileBytes(bytes.size()) {  // NOLINT: tests
        std::copy(bytes.begin(), bytes.end(), data_.get());
    }
    std::byte* data() { return data_.get(); }
    const std::byte* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    operator std::span<const std::byte>() const { return {data_.get(), size_}; }  // NOLINT

private:
    std::unique_ptr<std::byte[]> data_;
    std::size_t size_ = 0;
};

/// The files a guest boots from, already read into memory.
struct BootFiles {
    std::string kernel_name;
    FileBytes kernel;
    FileBytes ramdisk;  ///< empty: no initrd
};

/// Inputs that are not configuration: the backend domain, the clock, randomness.
struct BuildEnvironment {
    DomId backend_domid = 0;          ///< serves console and xenstore (dom0)
    std::string start_time;           ///< for /vm/UUID/start_time
    std::vector<std::byte> rng_seed;  ///< for /chosen/rng-seed (empty: none)
    bool paused = false;              ///< leave the domain paused (xl create -p)
    /// How long each disk's backend may take to answer before the creation fails.
    std::chrono::milliseconds backend_timeout{10000};
};

/// Where everything went: returned for `xl create` to report and for tests to check.
struct BuildResult {
    DomId domid = 0;
    BootLayout layout;
    uint32_t store_port = 0;
    uint32_t console_port = 0;
};

/// Reads the kernel and ramdisk a configuration names.
Result<BootFiles> read_boot_files(const DomainConfig& config);

/// The final placement and device tree of a guest, computed before any domain exists.
struct BootPlan {
    BootLayout layout;
    std::vector<std::byte> dtb;
};

/// Checks the kernel, places kernel, initrd and DTB in guest RAM and builds the DTB (with the
/// initrd's final addresses in /chosen).
Result<BootPlan> plan_boot(const DomainConfig& config, const BootFiles& files,
                           const std::vector<std::byte>& rng_seed);

/// The guest DTB without looking at the boot files: initrd addresses, if any, are zero
/// placeholders. For `xl create -n` when the images are not at hand.
Result<std::vector<std::byte>> preview_guest_dt(const DomainConfig& config);

/// The initial state of vCPU 0 for the arm64 Linux boot protocol (booting.rst §4): PC at the
/// Image, x0 = DTB address, EL1h with interrupts masked, MMU off.
vcpu_guest_context_t boot_vcpu_context(const BootLayout& layout);

/// Builds domains against an abstract hypervisor and xenstore.
class DomainBuilder {
public:
    DomainBuilder(Hypervisor& hv, XenstoreWriter& xs) : hv_(hv), xs_(xs) {}

    /// Creates, fills and starts a guest (unless env.paused). Checks what it can before
    /// creating anything (kernel, memory layout, device tree); if a later step fails, removes
    /// its xenstore nodes, destroys the half-built domain and returns an error naming the step.
    Result<BuildResult> build(const DomainConfig& config, const BootFiles& files,
                              const BuildEnvironment& env);

private:
    Result<void> fill(DomId dom, const DomainConfig& config, const BootFiles& files,
                      const BuildEnvironment& env, BuildResult& result,
                      const std::vector<std::byte>& dtb);

    Hypervisor& hv_;
    XenstoreWriter& xs_;
    bool xs_written_ = false;  ///< the current build reached the xenstore step
};

}  // namespace tessera::toolstack
