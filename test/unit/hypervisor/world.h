// A small world for host tests of hypervisor/core: fake physical memory handed to the global
// page allocator, and domains with identity-mapped guest RAM (the fake arch treats guest
// virtual = guest physical, and host pointers are physical addresses).
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace test {

/// The global allocator, seeded once per process with 64 MiB of host memory.
inline hv::mm::PageAllocator& pages() {
    static bool seeded = [] {
        constexpr std::size_t kSize = 64u << 20;
        void* mem = std::aligned_alloc(2u << 20, kSize);
        REQUIRE(mem != nullptr);
        REQUIRE(hv::mm::pages().add_region({hv::PAddr(reinterpret_cast<hv::u64>(mem)), kSize}));
        return true;
    }();
    (void)seeded;
    return hv::mm::pages();
}

/// Issues hypercall `nr` from `v` through the dispatcher (arguments in x0-x2); returns x0.
inline hv::i64 call(hv::Vcpu& v, hv::u64 nr, hv::u64 a0 = 0, hv::u64 a1 = 0, hv::u64 a2 = 0) {
    v.arch.regs.x[16] = nr;
    v.arch.regs.x[0] = a0;
    v.arch.regs.x[1] = a1;
    v.arch.regs.x[2] = a2;
    hv::hypercall::dispatch(v);
    return static_cast<hv::i64>(v.arch.regs.x[0]);
}

/// Where test domains see their RAM (host pointers do not fit a 40-bit IPA space).
inline constexpr hv::u64 kGuestRamBase = 0x40000000;

/// A domain with `vcpus` vCPUs, `ram_pages` of RAM from the allocator at kGuestRamBase, a shared_info
/// page and registered vcpu_infos. Registered in the domain table for its lifetime.
class TestDomain {
public:
    TestDomain(hv::u16 id, hv::u32 vcpus = 1, hv::usize ram_pages = 64, bool privileged = false)
        : d_(std::make_unique<hv::Domain>()) {
        hv::Domain& d = *d_;
        d.id = id;
        d.privileged = privileged;
        d.nr_vcpus = vcpus;
        hv::event::init(d);
        REQUIRE(d.p2m.init(pages(), static_cast<hv::u16>(id + 1)));
        ram_ = pages().alloc(ram_pages);
        REQUIRE(ram_.raw() != 0);
        ram_pages_ = ram_pages;
        d.ram_pages = ram_pages;
        d.max_pages = ram_pages;
        REQUIRE(d.p2m.map(hv::IPAddr(kGuestRamBase), ram_, ram_pages << hv::kPageShift,
                          hv::mm::P2mType::kRam, hv::mm::Perm::kReadWrite));
        d.dist.nr_spis = 64;
        for (hv::u32 i = 0; i < vcpus; ++i) {
            d.vcpus[i].domain = &d;
            d.vcpus[i].id = i;
            d.vcpus[i].arch.vmpidr = i;
            d.vcpus[i].state = hv::VcpuState::kRunnable;
            for (hv::u32 k = 0; k < 32; ++k) d.vcpus[i].irqs.priv[k].enabled = true;
        }
        shared_ = pages().alloc();
        d.shared_info_page = shared_;
        d.shared_info = reinterpret_cast<hv::SharedInfo*>(shared_.raw());
        vinfo_ = pages().alloc();
        for (hv::u32 i = 0; i < vcpus; ++i)
            d.vcpus[i].vcpu_info = reinterpret_cast<hv::VcpuInfo*>(vinfo_.raw() + 64 * i);
        REQUIRE(hv::register_domain(d));
    }
    ~TestDomain() {
        hv::unregister_domain(*d_);
        d_->p2m.destroy();
        // Pages the domain gave up (a shared_info placed over RAM) went back already.
        for (hv::usize i = 0; i < ram_pages_; ++i) {
            hv::PAddr p = ram_ + (hv::u64{i} << hv::kPageShift);
            if (pages().refs(p) != 0) pages().free(p);
        }
        pages().free(shared_);
        pages().free(vinfo_);
        hv::grant::destroy(*d_);
    }
    TestDomain(const TestDomain&) = delete;
    TestDomain& operator=(const TestDomain&) = delete;

    hv::Domain& operator*() { return *d_; }
    hv::Domain* operator->() { return d_.get(); }
    hv::Vcpu& vcpu(hv::u32 i = 0) { return d_->vcpus[i]; }
    /// The hypervisor's view of this domain's RAM page `page`.
    template <typename T = void>
    T* ram(hv::usize page = 0) { return reinterpret_cast<T*>(ram_.raw() + (page << hv::kPageShift)); }
    /// The guest address of `p` (which points into ram()), usable as a hypercall pointer.
    hv::GVAddr gva(const void* p) const {
        return hv::GVAddr(kGuestRamBase + (reinterpret_cast<hv::u64>(p) - ram_.raw()));
    }
    /// The guest frame number of RAM page `page`.
    hv::u64 gfn(hv::usize page = 0) const { return (kGuestRamBase >> hv::kPageShift) + page; }

    bool port_pending(hv::u32 port) const {
        return (d_->shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
    }

private:
    std::unique_ptr<hv::Domain> d_;
    hv::PAddr ram_;
    hv::usize ram_pages_ = 0;
    hv::PAddr shared_;
    hv::PAddr vinfo_;
};

}  // namespace test
