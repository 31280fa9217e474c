// Host-wide hypercalls: version strings, console ring, scheduler id, remote shutdown.
#include "hvcall/host.hpp"

#include <xen/sched.h>
#include <xen/version.h>

#include <cerrno>
#include <cstring>

namespace tessera::xen {

namespace {

/// XENVER_<cmd> into a zeroed buffer of `size` bytes; the text up to the first NUL, or "" when
/// the hypervisor refuses the sub-op.
std::string version_string(Hypervisor& hv, unsigned cmd, std::size_t size) {
    auto buffer = hv.allocate<char>(size + 1);
    if (!buffer) return {};
    if (!hv.hypercall(__HYPERVISOR_xen_version, {cmd, buffer->address(), 0, 0, 0})) return {};
    return std::string(buffer->get(), ::strnlen(buffer->get(), size));
}

std::string build_id(Hypervisor& hv) {
    constexpr std::size_t kMax = 256;
    auto buffer = hv.allocate<std::uint8_t>(sizeof(std::uint32_t) + kMax);
    if (!buffer) return {};
    const std::uint32_t len = kMax;
    std::memcpy(buffer->get(), &len, sizeof len);
    auto r = hv.hypercall(__HYPERVISOR_xen_version, {XENVER_build_id, buffer->address(), 0, 0, 0});
    if (!r || *r <= 0 || static_cast<std::size_t>(*r) > kMax) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (long i = 0; i < *r; ++i) {
        const std::uint8_t b = buffer->get()[sizeof(std::uint32_t) + i];
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

}  // namespace

Result<VersionInfo> version_info(Hypervisor& hv) {
    auto version = hv.hypercall(__HYPERVISOR_xen_version, {XENVER_version, 0, 0, 0, 0});
    if (!version) {
        version.error().message = "XENVER_version: " + version.error().message;
        return std::unexpected(version.error());
    }
    VersionInfo v;
    v.major = static_cast<unsigned>(*version >> 16);
    v.minor = static_cast<unsigned>(*version & 0xffff);
    v.extra = version_string(hv, XENVER_extraversion, sizeof(xen_extraversion_t));
    v.capabilities = version_string(hv, XENVER_capabilities, sizeof(xen_capabilities_info_t));
    v.changeset = version_string(hv, XENVER_changeset, sizeof(xen_changeset_info_t));
    v.commandline = version_string(hv, XENVER_commandline, sizeof(xen_commandline_t));
    if (auto info = hv.allocate<xen_compile_info_t>()) {
        if (hv.hypercall(__HYPERVISOR_xen_version,
                         {XENVER_compile_info, info->address(), 0, 0, 0})) {
            const auto& c = **info;
            v.compiler.assign(c.compiler, ::strnlen(c.compiler, sizeof c.compiler));
            v.compile_by.assign(c.compile_by, ::strnlen(c.compile_by, sizeof c.compile_by));
            v.compile_domain.assign(c.compile_domain,
                                    ::strnlen(c.compile_domain, sizeof c.compile_domain));
            v.compile_date.assign(c.compile_date, ::strnlen(c.compile_date, sizeof c.compile_date));
        }
    }
    if (auto params = hv.allocate<xen_platform_parameters_t>()) {
        if (hv.hypercall(__HYPERVISOR_xen_version,
                         {XENVER_platform_parameters, params->address(), 0, 0, 0})) {
            v.virt_start = (*params)->virt_start;
        }
    }
    if (auto size = hv.hypercall(__HYPERVISOR_xen_version, {XENVER_pagesize, 0, 0, 0, 0})) {
        v.pagesize = static_cast<unsigned>(*size);
    }
    v.build_id = build_id(hv);
    return v;
}

Result<std::string> read_console(Hypervisor& hv, std::uint32_t& index, bool clear,
                                 std::uint32_t max) {
    auto buffer = hv.allocate<char>(max);
    if (!buffer) return std::unexpected(buffer.error());
    xen_sysctl op{};
    op.cmd = XEN_SYSCTL_readconsole;
    op.u.readconsole.clear = clear ? 1 : 0;
    op.u.readconsole.incremental = 1;
    op.u.readconsole.index = index;
    op.u.readconsole.count = max;
    set_guest_handle(op.u.readconsole.buffer, buffer->get());
    if (auto r = hv.sysctl(op); !r) {
        r.error().message = "XEN_SYSCTL_readconsole: " + r.error().message;
        return std::unexpected(r.error());
    }
    if (op.u.readconsole.count > max) {
        return fail(EIO, "XEN_SYSCTL_readconsole: more bytes than the buffer holds");
    }
    index = op.u.readconsole.index;
    return std::string(buffer->get(), op.u.readconsole.count);
}

Result<std::uint32_t> scheduler_id(Hypervisor& hv) {
    xen_sysctl op{};
    op.cmd = XEN_SYSCTL_sched_id;
    if (auto r = hv.sysctl(op); !r) {
        r.error().message = "XEN_SYSCTL_sched_id: " + r.error().message;
        return std::unexpected(r.error());
    }
    return op.u.sched_id.sched_id;
}

Result<void> remote_shutdown(Hypervisor& hv, domid_t domid, unsigned reason) {
    auto arg = hv.allocate<sched_remote_shutdown_t>();
    if (!arg) return std::unexpected(arg.error());
    (*arg)->domain_id = domid;
    (*arg)->reason = reason;
    auto r =
        hv.hypercall(__HYPERVISOR_sched_op, {SCHEDOP_remote_shutdown, arg->address(), 0, 0, 0});
    if (!r) {
        r.error().message = "SCHEDOP_remote_shutdown: " + r.error().message;
        return std::unexpected(r.error());
    }
    return {};
}

}  // namespace tessera::xen
