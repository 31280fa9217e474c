// Planning and creating dom0 (direct-mapped: guest-physical = host-physical, XEN-ABI.md §2.5).
#include <new>

#include <libfdt.h>

#include "hv/arch/memory.h"
#include "hv/arch/vcpu.h"
#include "hv/arch/virt.h"
#include "hv/console.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/mm/page_alloc.h"
#include "hv/sched.h"
#include "hv/vgic_mmio.h"

namespace hv {
namespace {

constexpr u64 k2M = u64{2} << 20;
constexpr u64 kDtbRoom = u64{2} << 20;  // the arm64 boot protocol's limit for a DTB

/// arm64 Image header (Linux Documentation/arm64/booting.rst): text_offset @8, image_size @16,
/// magic "ARM\x64" @56.
bool read_image_header(PAddr image, u64 file_size, u64& text_offset, u64& image_size) {
    if (file_size < 64) return false;
    auto* h = static_cast<const u8*>(arch::phys_to_virt(image));
    if (h[56] != 'A' || h[57] != 'R' || h[58] != 'M' || h[59] != 0x64) return false;
    __builtin_memcpy(&text_offset, h + 8, 8);
    __builtin_memcpy(&image_size, h + 16, 8);
    if (image_size == 0) {  // pre-3.17 kernels: text_offset 0x80000, size unknown
        text_offset = 0x80000;
        image_size = file_size;
    }
    return image_size >= file_size && text_offset < k2M;
}

bool overlaps_any(PRange r, const PRange* list, usize n) {
    for (usize i = 0; i < n; ++i)
        if (r.overlaps(list[i])) return true;
    return false;
}

/// Whether addresses of `node`'s children translate 1:1 up to the root (empty `ranges` all
/// the way): the only case mapped for now.
bool identity_path(const void* fdt, int node) {
    for (int n = fdt_parent_offset(fdt, node); n > 0; n = fdt_parent_offset(fdt, n)) {
        int len = -1;
        if (fdt_getprop(fdt, n, "ranges", &len) == nullptr || len != 0) return false;
    }
    return true;
}

/// Maps every device `reg` range of dom0's DT 1:1 into its stage 2, except the emulated GIC,
/// RAM and the grant window; gives dom0 every SPI but the hypervisor's UART's.
bool map_devices(Domain& d, const void* fdt) {
    int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    for (int node = fdt_next_node(fdt, 0, nullptr); node >= 0;
         node = fdt_next_node(fdt, node, nullptr)) {
        if (node == gic) continue;
        const char* name = fdt_get_name(fdt, node, nullptr);
        if (name == nullptr || __builtin_strncmp(name, "memory", 6) == 0 ||
            __builtin_strcmp(name, "hypervisor") == 0 || !identity_path(fdt, node))
            continue;
        int len = 0;
        auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
        int parent = fdt_parent_offset(fdt, node);
        int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
        if (reg == nullptr || ac != 2 || sc != 2) continue;  // cpus, or not an MMIO device
        for (int i = 0; (i + 1) * 16 <= len; ++i) {
            u64 base = (u64{fdt32_to_cpu(reg[4 * i])} << 32) | fdt32_to_cpu(reg[4 * i + 1]);
            u64 size = (u64{fdt32_to_cpu(reg[4 * i + 2])} << 32) | fdt32_to_cpu(reg[4 * i + 3]);
            u64 start = align_down(base, kPageSize), end = align_up(base + size, kPageSize);
            if (size == 0 || !d.p2m.map(IPAddr(start), PAddr(start), end - start,
                                        mm::P2mType::kMmio, mm::Perm::kReadWrite))
                return false;
        }
    }
    for (u32 spi = 32; spi < 32 + d.dist.nr_spis; ++spi)
        if (spi != arch::uart_irq()) arch::route_irq_to_domain(spi, d);
    return true;
}

}  // namespace

bool plan_dom0(const BootInfo& info, const Options& opts, const PRange* reserved, usize nr_reserved,
               u32 nr_pcpus, Dom0Layout& out) {
    const BootModule* kernel = info.module(ModuleKind::kKernel);
    const BootModule* ramdisk = info.module(ModuleKind::kRamdisk);
    u64 text_offset = 0, image_size = 0;
    if (kernel == nullptr || !read_image_header(kernel->range.base, kernel->range.size,
                                                text_offset, image_size)) {
        console::print("(tessera) error: the dom0 kernel module is not an arm64 Image\n");
        return false;
    }
    u64 total = info.total_ram();
    u64 mem = opts.dom0_mem;
    if (mem == 0) mem = total / 2 < (u64{1} << 30) ? total / 2 : u64{1} << 30;
    mem = align_up(mem, k2M);
    u64 needed = align_up(text_offset + image_size, k2M) + kDtbRoom +
                 align_up(ramdisk != nullptr ? ramdisk->range.size : 0, k2M);
    if (mem < needed) {
        console::print("(tessera) error: dom0_mem=%lluM cannot hold the kernel, DTB and ramdisk "
                       "(%llu MiB needed)\n", static_cast<unsigned long long>(mem >> 20),
                       static_cast<unsigned long long>(needed >> 20));
        return false;
    }
    // The highest 2 MiB-aligned window of `mem` bytes in a RAM bank that avoids everything in
    // use (the hypervisor, the DTB, the boot modules), preferring banks below 4 GiB.
    bool found = false;
    for (usize b = 0; b < info.nr_banks && !found; ++b) {
        PRange bank = info.banks[b];
        if (bank.size < mem) continue;
        for (u64 top = align_down(bank.end().raw(), k2M); top >= bank.base.raw() + mem; top -= k2M) {
            PRange cand{PAddr(top - mem), mem};
            if (cand.base < bank.base) break;
            if (!overlaps_any(cand, reserved, nr_reserved)) {
                out.ram = cand;
                found = true;
                break;
            }
        }
    }
    if (!found) {
        console::print("(tessera) error: dom0_mem=%lluM does not fit in free RAM (%llu MiB in all)\n",
                       static_cast<unsigned long long>(mem >> 20),
                       static_cast<unsigned long long>(total >> 20));
        return false;
    }
    out.kernel = out.ram.base + text_offset;
    out.kernel_size = kernel->range.size;
    out.dtb = out.ram.base + align_up(text_offset + image_size, k2M);
    out.dtb_max = kDtbRoom;
    out.initrd = out.dtb + kDtbRoom;
    out.initrd_size = ramdisk != nullptr ? ramdisk->range.size : 0;
    u32 vcpus = opts.dom0_max_vcpus != 0 ? opts.dom0_max_vcpus : nr_pcpus;
    if (vcpus > 8) vcpus = 8;  // Domain::kMaxVcpus
    out.nr_vcpus = vcpus;
    return true;
}

Domain* create_dom0(const BootInfo& info, const void* host_fdt, const Dom0Layout& l) {
    usize pages = (sizeof(Domain) + kPageSize - 1) / kPageSize;
    PAddr mem = mm::pages().alloc(pages);
    if (mem.raw() == 0) {
        console::print("(tessera) error: out of memory for dom0's domain structure\n");
        return nullptr;
    }
    Domain& d = *new (arch::phys_to_virt(mem)) Domain();
    d.id = 0;
    d.privileged = true;
    d.direct_mapped = true;
    d.nr_vcpus = l.nr_vcpus;
    d.ram[0] = l.ram;
    d.nr_ram = 1;
    d.ram_pages = l.ram.size >> kPageShift;
    d.gnttab.max_frames = kDom0GrantFrames;
    event::init(d);
    if (!d.p2m.init(mm::pages(), 1) ||
        !d.p2m.map(IPAddr(l.ram.base.raw()), l.ram.base, l.ram.size, mm::P2mType::kRam,
                   mm::Perm::kReadWrite)) {
        console::print("(tessera) error: out of memory for dom0's stage-2 tables\n");
        return nullptr;
    }
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        Vcpu& v = d.vcpus[i];
        v.domain = &d;
        v.id = i;
        v.arch.vmpidr = ((i >> 4) << 8) | (i & 0xf);
    }
    if (!vgic::attach(d, IPAddr(info.gicd.base.raw()), IPAddr(info.gicr.base.raw()), arch::host_spis())) {
        console::print("(tessera) error: cannot attach dom0's virtual GIC\n");
        return nullptr;
    }
    // Copy the images, then write the device tree.
    const BootModule* k = info.module(ModuleKind::kKernel);
    const BootModule* r = info.module(ModuleKind::kRamdisk);
    __builtin_memmove(arch::phys_to_virt(l.kernel), arch::phys_to_virt(k->range.base), l.kernel_size);
    if (r != nullptr)
        __builtin_memmove(arch::phys_to_virt(l.initrd), arch::phys_to_virt(r->range.base),
                          l.initrd_size);
    int rc = build_dom0_dt(host_fdt, arch::phys_to_virt(l.dtb), l.dtb_max, info, l, k->bootargs);
    if (rc < 0) {
        console::print("(tessera) error: building dom0's device tree: %s\n", fdt_strerror(rc));
        return nullptr;
    }
    if (!map_devices(d, arch::phys_to_virt(l.dtb))) {
        console::print("(tessera) error: mapping dom0's devices\n");
        return nullptr;
    }
    arch::clean_dcache(arch::phys_to_virt(l.kernel), l.kernel_size);
    arch::clean_dcache(arch::phys_to_virt(l.dtb), l.dtb_max);
    if (r != nullptr) arch::clean_dcache(arch::phys_to_virt(l.initrd), l.initrd_size);
    if (!register_domain(d)) return nullptr;
    arch::reset_vcpu(d.vcpus[0], l.kernel.raw(), l.dtb.raw());
    d.vcpus[0].state = VcpuState::kRunnable;
    return &d;
}

}  // namespace hv
