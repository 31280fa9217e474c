// The domain-building sequence (libxl_create/libxl_dom + libxenguest's Arm builder, in one place).
#include "toolstack/domain_builder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvcall/error.hpp"
#include "toolstack/guest_dt.h"

namespace tessera::toolstack {
namespace {

uint64_t pages(uint64_t bytes) {
    return (bytes + kXenPageSize - 1) >> kXenPageShift;
}

/// Prefixes a step's error with the step, so "xl create" says what failed.
template <typename T>
Result<T> step(std::string_view what, Result<T> r) {
    if (!r) return fail(std::string(what) + ": " + r.error().message);
    return r;
}

Result<FileBytes> read_file(const std::string& path, std::string_view what) {
    // Sized up front and read with read(2): a kernel is tens of MiB, and dom0 may run under TCG.
    auto fail_errno = [&](const char* doing) {
        return fail(std::string(what) + ": " + doing + " " + path + ": " + std::strerror(errno));
    };
    const xen::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return fail_errno("cannot open");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail_errno("cannot stat");
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return fail_errno("not a regular file:");
    }
    FileBytes out(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;  // the file shrank under us
            return fail_errno("error reading");
        }
        done += static_cast<std::size_t>(n);
    }
    return out;
}

}  // namespace

Result<BootFiles> read_boot_files(const DomainConfig& config) {
    BootFiles files;
    files.kernel_name = config.kernel;
    auto kernel = read_file(config.kernel, "kernel");
    if (!kernel) return std::unexpected(kernel.error());
    files.kernel = std::move(*kernel);
    if (!config.ramdisk.empty()) {
        auto ramdisk = read_file(config.ramdisk, "ramdisk");
        if (!ramdisk) return std::unexpected(ramdisk.error());
        if (ramdisk->empty()) return fail("ramdisk: " + config.ramdisk + " is empty");
        files.ramdisk = std::move(*ramdisk);
    }
    return files;
}

Result<BootPlan> plan_boot(const DomainConfig& config, const BootFiles& files,
                           const std::vector<std::byte>& rng_seed) {
    auto kernel = parse_kernel_image(files.kernel, files.kernel_name);
    if (!kernel) return std::unexpected(kernel.error());
    GuestDtParams dt{config.max_vcpus, config.target_memkb * 1024, config.cmdline, std::nullopt,
                     rng_seed};
    if (!files.ramdisk.empty()) dt.ramdisk = GuestRange{0, 0};  // same size as the final values
    auto sizing = build_guest_dt(dt);
    if (!sizing) return std::unexpected(sizing.error());
    auto layout =
        plan_boot_layout(*kernel, config.target_memkb * 1024, files.ramdisk.size(), sizing->size());
    if (!layout) return std::unexpected(layout.error());
    dt.ramdisk = layout->ramdisk;
    auto dtb = build_guest_dt(dt);
    if (!dtb) return std::unexpected(dtb.error());
    return BootPlan{*layout, std::move(*dtb)};
}

Result<std::vector<std::byte>> preview_guest_dt(const DomainConfig& config) {
    GuestDtParams dt{
        config.max_vcpus, config.target_memkb * 1024, config.cmdline, std::nullopt, {}};
    if (!config.ramdisk.empty()) dt.ramdisk = GuestRange{0, 0};
    return build_guest_dt(dt);
}

vcpu_guest_context_t boot_vcpu_context(const BootLayout& layout) {
    vcpu_guest_context_t ctx{};
    ctx.user_regs.pc64 = layout.entry;
    ctx.user_regs.x0 = layout.dtb.base;  // x1..x3 stay 0, as the protocol requires
    ctx.user_regs.cpsr = PSR_GUEST64_INIT;
    ctx.sctlr = SCTLR_GUEST_INIT;
    ctx.flags = VGCF_online;
    return ctx;
}

Result<BuildResult> DomainBuilder::build(const DomainConfig& config, const BootFiles& files,
                                         const BuildEnvironment& env) {
    // Everything that can be checked without a domain is checked first.
    auto plan = plan_boot(config, files, env.rng_seed);
    if (!plan) return std::unexpected(plan.error());

    CreateDomainRequest request;
    request.handle = config.uuid;
    request.max_vcpus = config.max_vcpus;
    request.max_evtchn_port = config.max_event_channels.value_or(1023);
    request.max_grant_frames = static_cast<int32_t>(config.max_grant_frames.value_or(64));
    request.max_maptrack_frames = static_cast<int32_t>(config.max_maptrack_frames.value_or(1024));
    request.gic_version = config.gic_version == GicVersion::kV3 ? XEN_DOMCTL_CONFIG_GIC_V3
                                                                : XEN_DOMCTL_CONFIG_GIC_NATIVE;
    request.paging_pool_kib = default_paging_pool_kib(config.max_memkb, config.max_vcpus);
    auto dom = step("create domain", hv_.create_domain(request));
    if (!dom) return std::unexpected(dom.error());

    BuildResult result;
    result.domid = *dom;
    xs_written_ = false;
    result.layout = plan->layout;
    if (auto r = fill(*dom, config, files, env, result, plan->dtb); !r) {
        // Best effort: the original error is the one to report.
        if (xs_written_) (void)xs_.forget_domain(*dom, config.uuid);
        (void)hv_.destroy(*dom);
        return std::unexpected(r.error());
    }
    return result;
}

Result<void> DomainBuilder::fill(DomId dom, const DomainConfig& config, const BootFiles& files,
                                 const BuildEnvironment& env, BuildResult& result,
                                 const std::vector<std::byte>& dtb) {
    const BootLayout& layout = result.layout;
    if (auto r = step("set max memory", hv_.set_max_mem(dom, config.max_memkb + kMaxMemSlackKib));
        !r) {
        return r;
    }
    for (uint32_t v = 0; v < config.max_vcpus; ++v) {
        const CpuSet* hard = v < config.cpus_hard.size() ? &config.cpus_hard[v] : nullptr;
        const CpuSet* soft = v < config.cpus_soft.size() ? &config.cpus_soft[v] : nullptr;
        if (!hard && !soft) continue;
        if (auto r = step("set vcpu affinity", hv_.set_vcpu_affinity(dom, v, hard, soft)); !r)
            return r;
    }
    auto store_port =
        step("allocate xenstore event channel", hv_.alloc_unbound_evtchn(dom, env.backend_domid));
    if (!store_port) return std::unexpected(store_port.error());
    auto console_port =
        step("allocate console event channel", hv_.alloc_unbound_evtchn(dom, env.backend_domid));
    if (!console_port) return std::unexpected(console_port.error());
    result.store_port = *store_port;
    result.console_port = *console_port;

    // RAM fills bank 0, then bank 1 (arch-arm.h guest memory map); then the magic pages.
    const uint64_t bank_base[] = GUEST_RAM_BANK_BASES;
    const uint64_t bank_size[] = GUEST_RAM_BANK_SIZES;
    uint64_t left = config.target_memkb * 1024;
    for (int i = 0; i < GUEST_RAM_BANKS && left > 0; ++i) {
        const uint64_t size = std::min(left, bank_size[i]);
        left -= size;
        if (auto r = step("populate RAM",
                          hv_.populate_physmap(dom, bank_base[i] >> kXenPageShift, pages(size)));
            !r) {
            return r;
        }
    }
    if (auto r =
            step("populate magic pages", hv_.populate_physmap(dom, kMagicFirstGfn, kMagicPages));
        !r) {
        return r;
    }

    struct Load {
        const char* what;
        uint64_t gpa;
        std::span<const std::byte> data;
    };
    const std::vector<std::byte> zero_page(kXenPageSize);
    std::vector<Load> loads{{"copy kernel", layout.kernel.base, files.kernel}};
    if (layout.ramdisk) loads.push_back({"copy ramdisk", layout.ramdisk->base, files.ramdisk});
    loads.push_back({"copy device tree", layout.dtb.base, dtb});
    loads.push_back({"clear console page", kConsoleGfn << kXenPageShift, zero_page});
    loads.push_back({"clear xenstore page", kXenstoreGfn << kXenPageShift, zero_page});
    for (const Load& l : loads) {
        if (auto r = step(l.what, hv_.copy_to_guest(dom, l.gpa, l.data)); !r) return r;
    }
    for (const Load& l : loads) {
        const uint64_t first = l.gpa >> kXenPageShift;
        const uint64_t last = (l.gpa + l.data.size() - 1) >> kXenPageShift;
        if (auto r = step("flush caches", hv_.flush_cache(dom, first, last - first + 1)); !r)
            return r;
    }

    const std::pair<uint32_t, uint64_t> params[] = {
        {HVM_PARAM_CONSOLE_PFN, kConsoleGfn},
        {HVM_PARAM_STORE_PFN, kXenstoreGfn},
        {HVM_PARAM_CONSOLE_EVTCHN, result.console_port},
        {HVM_PARAM_STORE_EVTCHN, result.store_port},
    };
    for (auto [param, value] : params) {
        if (auto r = step("set HVM parameter", hv_.set_hvm_param(dom, param, value)); !r) return r;
    }
    if (auto r = step("seed grant table", hv_.seed_grant_table(dom, kConsoleGfn, env.backend_domid,
                                                               kXenstoreGfn, env.backend_domid));
        !r) {
        return r;
    }
    if (auto r = step("set vcpu context", hv_.set_vcpu_context(dom, 0, boot_vcpu_context(layout)));
        !r) {
        return r;
    }

    XsDomainFacts facts{dom,           env.backend_domid,   result.store_port,
                        kXenstoreGfn,  result.console_port, kConsoleGfn,
                        env.start_time};
    const auto entries = xenstore_layout(config, facts);
    xs_written_ = true;  // a failed transaction leaves nothing, but introduce may half-work
    if (auto r = step("write xenstore", xs_.write(entries)); !r) return r;
    if (auto r =
            step("introduce domain", xs_.introduce_domain(dom, kXenstoreGfn, result.store_port));
        !r) {
        return r;
    }
    // Each disk's backend takes it before the guest runs (libxl waits the same way), so a
    // target blkback cannot serve fails the creation with blkback's own reason.
    for (const DiskSpec& disk : config.disks) {
        const std::string back = "/local/domain/" + std::to_string(env.backend_domid) +
                                 "/backend/vbd/" + std::to_string(dom) + "/" +
                                 std::to_string(disk.devid);
        auto answer = step("wait for the disk backends", xs_.await_backend(back, env.backend_timeout));
        if (!answer) return std::unexpected(answer.error());
        if (answer->kind == BackendAnswer::kRefused) {
            return fail("disk " + disk.vdev + " (" + disk.target + "): " + answer->reason);
        }
        if (answer->kind == BackendAnswer::kSilent) {
            return fail("disk " + disk.vdev + ": no block backend took it within " +
                        std::to_string(env.backend_timeout.count() / 1000) +
                        " s (is tessera-blkback running in domain " +
                        std::to_string(env.backend_domid) + "?)");
        }
    }
    if (env.paused) return {};
    return step("unpause", hv_.unpause(dom));
}

}  // namespace tessera::toolstack
