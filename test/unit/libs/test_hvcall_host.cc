// libs/hvcall host.hpp: version strings, the console ring, scheduler id and remote shutdown,
// against FakeHypervisor (buffers checked as Xen and privcmd would).
#include <catch2/catch.hpp>
#include <cstring>

#include "hvcall/fake_hypervisor.hpp"
#include "hvcall/host.hpp"

// After the ABI header: the version and sched_op structures.
#include <xen/sched.h>
#include <xen/version.h>

using namespace tessera::xen;

TEST_CASE("version_info collects every XENVER_ string it can", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_hypercall(__HYPERVISOR_xen_version, [&](const std::array<std::uint64_t, 5>& a) -> long {
        auto* out = reinterpret_cast<char*>(static_cast<std::uintptr_t>(a[1]));
        switch (a[0]) {
            case XENVER_version:
                return (4 << 16) | 17;
            case XENVER_extraversion:
                if (!hv.in_buffer(out, sizeof(xen_extraversion_t))) return -EFAULT;
                std::strcpy(out, ".0");
                return 0;
            case XENVER_compile_info: {
                auto* info = reinterpret_cast<xen_compile_info_t*>(out);
                if (!hv.in_buffer(info, sizeof *info)) return -EFAULT;
                std::strcpy(info->compiler, "gcc 12");
                std::strcpy(info->compile_by, "ci");
                return 0;
            }
            case XENVER_pagesize:
                return 4096;
            case XENVER_build_id: {
                std::uint32_t len = 0;
                std::memcpy(&len, out, sizeof len);
                if (len < 2 || !hv.in_buffer(out, 4 + len)) return -EINVAL;
                out[4] = '\xab';
                out[5] = '\x01';
                return 2;
            }
            default:
                return -EPERM;  // refused sub-ops leave their fields empty
        }
    });
    auto v = version_info(hv);
    REQUIRE(v);
    CHECK(v->major == 4);
    CHECK(v->minor == 17);
    CHECK(v->extra == ".0");
    CHECK(v->compiler == "gcc 12");
    CHECK(v->compile_by == "ci");
    CHECK(v->pagesize == 4096);
    CHECK(v->build_id == "ab01");
    CHECK(v->capabilities.empty());
    CHECK(hv.live_buffers() == 0);

    FakeHypervisor none;
    auto missing = version_info(none);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.starts_with("XENVER_version: "));
}

TEST_CASE("read_console reads incrementally from an index", "[hvcall]") {
    FakeHypervisor hv;
    const std::string ring = "(XEN) hello\n(XEN) world\n";
    bool cleared = false;
    hv.on_sysctl(XEN_SYSCTL_readconsole, [&](xen_sysctl& op) -> long {
        auto& r = op.u.readconsole;
        auto* buf = guest_handle_pointer<char>(r.buffer);
        if (!hv.in_buffer(buf, r.count) || !r.incremental) return -EFAULT;
        const std::size_t from = std::min<std::size_t>(r.index, ring.size());
        const std::size_t n = std::min<std::size_t>(r.count, ring.size() - from);
        std::memcpy(buf, ring.data() + from, n);
        r.count = static_cast<std::uint32_t>(n);
        r.index = static_cast<std::uint32_t>(from + n);
        cleared = r.clear;
        return 0;
    });
    std::uint32_t index = 0;
    CHECK(read_console(hv, index, false, 12).value() == "(XEN) hello\n");
    CHECK(index == 12);
    CHECK(read_console(hv, index, true).value() == "(XEN) world\n");
    CHECK(cleared);
    CHECK(read_console(hv, index, false).value().empty());
}

TEST_CASE("scheduler_id and remote_shutdown", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_sysctl(XEN_SYSCTL_sched_id, [](xen_sysctl& op) -> long {
        op.u.sched_id.sched_id = XEN_SCHEDULER_NULL;
        return 0;
    });
    CHECK(scheduler_id(hv).value() == XEN_SCHEDULER_NULL);
    sched_remote_shutdown_t seen{};
    hv.on_hypercall(__HYPERVISOR_sched_op, [&](const std::array<std::uint64_t, 5>& a) -> long {
        auto* arg = reinterpret_cast<sched_remote_shutdown_t*>(static_cast<std::uintptr_t>(a[1]));
        if (a[0] != SCHEDOP_remote_shutdown || !hv.in_buffer(arg, sizeof *arg)) return -EFAULT;
        seen = *arg;
        return arg->domain_id == 3 ? 0 : -ESRCH;
    });
    REQUIRE(remote_shutdown(hv, 3, SHUTDOWN_reboot));
    CHECK(seen.reason == SHUTDOWN_reboot);
    auto missing = remote_shutdown(hv, 4, SHUTDOWN_poweroff);
    CHECK(missing.error().code == ESRCH);
    CHECK(missing.error().message.starts_with("SCHEDOP_remote_shutdown: "));
}
