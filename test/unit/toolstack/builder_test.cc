// The domain-building sequence against a fake hypervisor that records every call.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "toolstack/domain_builder.h"

using namespace tessera::toolstack;

namespace {

/// Records calls as text; can be told to fail one operation.
class FakeHypervisor : public Hypervisor {
public:
    std::vector<std::string> calls;
    std::string fail_on;
    std::map<uint64_t, std::vector<std::byte>> memory;  ///< copies by guest physical address
    CreateDomainRequest request;
    vcpu_guest_context_t context{};
    uint32_t next_port = 5;

    Result<DomId> create_domain(const CreateDomainRequest& r) override {
        request = r;
        return record<DomId>("create_domain", 7);
    }
    Result<void> set_max_mem(DomId d, uint64_t kib) override {
        return record("set_max_mem " + std::to_string(d) + " " + std::to_string(kib));
    }
    Result<void> set_vcpu_affinity(DomId, uint32_t v, const CpuSet* hard,
                                   const CpuSet* soft) override {
        return record("set_vcpu_affinity " + std::to_string(v) + " " + (hard ? hard->str() : "-") +
                      " " + (soft ? soft->str() : "-"));
    }
    Result<uint32_t> alloc_unbound_evtchn(DomId, DomId remote) override {
        return record<uint32_t>("alloc_unbound_evtchn " + std::to_string(remote), next_port++);
    }
    Result<void> populate_physmap(DomId, uint64_t gfn, uint64_t count) override {
        return record("populate_physmap " + hex(gfn) + " " + std::to_string(count));
    }
    Result<void> copy_to_guest(DomId, uint64_t gpa, std::span<const std::byte> data) override {
        memory[gpa].assign(data.begin(), data.end());
        return record("copy_to_guest " + hex(gpa) + " " + std::to_string(data.size()));
    }
    Result<void> flush_cache(DomId, uint64_t gfn, uint64_t count) override {
        return record("flush_cache " + hex(gfn) + " " + std::to_string(count));
    }
    Result<void> set_hvm_param(DomId, uint32_t param, uint64_t value) override {
        return record("set_hvm_param " + std::to_string(param) + " " + hex(value));
    }
    Result<void> seed_grant_table(DomId, uint64_t con, DomId con_dom, uint64_t xs,
                                  DomId xs_dom) override {
        return record("seed_grant_table " + hex(con) + " " + std::to_string(con_dom) + " " +
                      hex(xs) + " " + std::to_string(xs_dom));
    }
    Result<void> set_vcpu_context(DomId, uint32_t vcpu, const vcpu_guest_context_t& c) override {
        context = c;
        return record("set_vcpu_context " + std::to_string(vcpu));
    }
    Result<void> unpause(DomId d) override { return record("unpause " + std::to_string(d)); }
    Result<void> destroy(DomId d) override { return record("destroy " + std::to_string(d)); }

    static std::string hex(uint64_t v) {
        char b[24];
        std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
        return b;
    }

private:
    template <typename T = void, typename V = int>
    Result<T> record(const std::string& call, V value = {}) {
        calls.push_back(call);
        if (!fail_on.empty() && call.starts_with(fail_on)) return fail("EPERM from the fake");
        if constexpr (std::is_void_v<T>) {
            return {};
        } else {
            return static_cast<T>(value);
        }
    }
};

class FakeXenstore : public XenstoreWriter {
public:
    std::vector<XsEntry> written;
    std::vector<std::string> calls;
    Result<void> write(std::span<const XsEntry> entries) override {
        written.assign(entries.begin(), entries.end());
        calls.push_back("write " + std::to_string(entries.size()));
        return {};
    }
    Result<void> introduce_domain(DomId d, uint64_t gfn, uint32_t port) override {
        calls.push_back("introduce " + std::to_string(d) + " " + FakeHypervisor::hex(gfn) + " " +
                        std::to_string(port));
        if (fail_introduce) return fail("EEXIST from the fake");
        return {};
    }
    Result<void> forget_domain(DomId d, const Uuid& uuid) override {
        calls.push_back("forget " + std::to_string(d) + " " + uuid.str());
        return {};
    }
    Result<BackendAnswer> await_backend(const std::string& backend,
                                        std::chrono::milliseconds) override {
        calls.push_back("await " + backend);
        return answer;
    }
    bool fail_introduce = false;
    BackendAnswer answer{BackendAnswer::kTaken, {}};
};

std::vector<std::byte> kernel_image() {
    std::vector<std::byte> d(3 * 4096 + 100);
    d[0x10] = std::byte{0x00};
    d[0x12] = std::byte{0x40};  // image_size = 4 MiB
    const uint8_t magic[] = {'A', 'R', 'M', 0x64};
    for (int i = 0; i < 4; ++i) d[0x38 + i] = std::byte{magic[i]};
    return d;
}

DomainConfig config(const std::string& memory = "256") {
    auto p = parse_domain_config(
        "name = 'g'\nkernel = '/k'\nmemory = " + memory +
            "\nvcpus = 2\ncpus = ['1', '2-3']\n"
            "extra = 'console=hvc0'\nuuid = '00000000-0000-4000-8000-000000000001'\n"
            "gic_version = 'v3'\nmax_grant_frames = 32\n",
        "g.cfg");
    REQUIRE(p.has_value());
    return p->config;
}

}  // namespace

TEST_CASE("builder: the full sequence of a 2-vCPU, 256 MiB guest with an initrd") {
    FakeHypervisor hv;
    FakeXenstore xs;
    DomainBuilder builder(hv, xs);
    BootFiles files{"/k", kernel_image(), std::vector<std::byte>(10000, std::byte{0x5a})};
    auto r = builder.build(config(), files, {0, "1700000000.00", {}});
    REQUIRE(r.has_value());
    REQUIRE(r->domid == 7);
    REQUIRE(r->store_port == 5);
    REQUIRE(r->console_port == 6);

    const auto dtb_gpa = FakeHypervisor::hex(r->layout.dtb.base);
    const auto dtb_size = std::to_string(r->layout.dtb.size);
    const auto dtb_gfn = FakeHypervisor::hex(r->layout.dtb.base >> 12);
    REQUIRE(hv.calls == std::vector<std::string>{
                            "create_domain",
                            "set_max_mem 7 263168",  // 256 MiB + libxl's 1 MiB slack
                            "set_vcpu_affinity 0 1 -",
                            "set_vcpu_affinity 1 2-3 -",
                            "alloc_unbound_evtchn 0",
                            "alloc_unbound_evtchn 0",
                            "populate_physmap 0x40000 65536",
                            "populate_physmap 0x39000 4",
                            "copy_to_guest 0x40000000 12388",
                            "copy_to_guest 0x48000000 10000",
                            "copy_to_guest " + dtb_gpa + " " + dtb_size,
                            "copy_to_guest 0x39000000 4096",
                            "copy_to_guest 0x39001000 4096",
                            "flush_cache 0x40000 4",
                            "flush_cache 0x48000 3",
                            "flush_cache " + dtb_gfn + " 1",
                            "flush_cache 0x39000 1",
                            "flush_cache 0x39001 1",
                            "set_hvm_param 17 0x39000",  // HVM_PARAM_CONSOLE_PFN
                            "set_hvm_param 1 0x39001",   // HVM_PARAM_STORE_PFN
                            "set_hvm_param 18 0x6",      // HVM_PARAM_CONSOLE_EVTCHN
                            "set_hvm_param 2 0x5",       // HVM_PARAM_STORE_EVTCHN
                            "seed_grant_table 0x39000 0 0x39001 0",
                            "set_vcpu_context 0",
                            "unpause 7",
                        });
    REQUIRE(dtb_gpa == "0x48003000");  // right after the page-rounded initrd
    REQUIRE(xs.calls == std::vector<std::string>{"write " + std::to_string(xs.written.size()),
                                                 "introduce 7 0x39001 5"});

    REQUIRE(hv.request.max_vcpus == 2);
    REQUIRE(hv.request.max_grant_frames == 32);
    REQUIRE(hv.request.gic_version == XEN_DOMCTL_CONFIG_GIC_V3);
    REQUIRE(hv.request.handle.str() == "00000000-0000-4000-8000-000000000001");

    REQUIRE(hv.context.user_regs.pc64 == 0x40000000);
    REQUIRE(hv.context.user_regs.x0 == r->layout.dtb.base);
    REQUIRE(hv.context.user_regs.x1 == 0);
    REQUIRE(hv.context.user_regs.cpsr == PSR_GUEST64_INIT);
    REQUIRE(hv.context.sctlr == SCTLR_GUEST_INIT);
    REQUIRE(hv.context.flags == VGCF_online);

    REQUIRE(hv.memory.at(0x40000000) == kernel_image());
    REQUIRE(hv.memory.at(0x48000000).size() == 10000);
    const auto& dtb = hv.memory.at(r->layout.dtb.base);
    REQUIRE(std::to_integer<uint8_t>(dtb[0]) == 0xd0);  // FDT magic 0xd00dfeed, big-endian
    REQUIRE(std::to_integer<uint8_t>(dtb[1]) == 0x0d);
}

TEST_CASE("builder: a failing step destroys the domain and names the step") {
    FakeHypervisor hv;
    FakeXenstore xs;
    hv.fail_on = "set_hvm_param";
    BootFiles files{"/k", kernel_image(), {}};
    auto r = DomainBuilder(hv, xs).build(config(), files, {});
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().message == "set HVM parameter: EPERM from the fake");
    REQUIRE(hv.calls.back() == "destroy 7");
    REQUIRE(xs.calls.empty());
}

TEST_CASE("builder: a bad kernel or too little memory is found before any domain exists") {
    FakeHypervisor hv;
    FakeXenstore xs;
    BootFiles junk{"/boot/junk", std::vector<std::byte>(4096), {}};
    auto r = DomainBuilder(hv, xs).build(config(), junk, {});
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().message.starts_with("/boot/junk: not an arm64 Linux Image"));
    BootFiles big_initrd{"/k", kernel_image(), std::vector<std::byte>(30u << 20)};
    REQUIRE(DomainBuilder(hv, xs)
                .build(config("32"), big_initrd, {})
                .error()
                .message.starts_with("guest memory too small"));
    REQUIRE(hv.calls.empty());
}

TEST_CASE("builder: create failure leaves nothing to destroy") {
    FakeHypervisor hv;
    FakeXenstore xs;
    hv.fail_on = "create_domain";
    auto r = DomainBuilder(hv, xs).build(config(), {"/k", kernel_image(), {}}, {});
    REQUIRE(r.error().message == "create domain: EPERM from the fake");
    REQUIRE(hv.calls == std::vector<std::string>{"create_domain"});
}

TEST_CASE("builder: paused builds stop before unpause") {
    FakeHypervisor hv;
    FakeXenstore xs;
    BuildEnvironment env;
    env.paused = true;
    auto r = DomainBuilder(hv, xs).build(config(), {"/k", kernel_image(), {}}, env);
    REQUIRE(r.has_value());
    REQUIRE(hv.calls.back() == "set_vcpu_context 0");
    REQUIRE(xs.calls.back() == "introduce 7 0x39001 5");
}

TEST_CASE("builder: a failure after the xenstore step also removes the xenstore nodes") {
    FakeHypervisor hv;
    FakeXenstore xs;
    xs.fail_introduce = true;
    auto r = DomainBuilder(hv, xs).build(config(), {"/k", kernel_image(), {}}, {});
    REQUIRE(r.error().message == "introduce domain: EEXIST from the fake");
    REQUIRE(xs.calls.back() == "forget 7 00000000-0000-4000-8000-000000000001");
    REQUIRE(hv.calls.back() == "destroy 7");
}

TEST_CASE("builder: each disk's backend takes it before the guest is unpaused") {
    DomainConfig cfg = config();
    auto disk = DiskSpec::parse("/img/a.raw,raw,xvda,rw");
    REQUIRE(disk);
    cfg.disks.push_back(*disk);
    FakeHypervisor hv;
    FakeXenstore xs;
    SECTION("taken: the guest runs") {
        REQUIRE(DomainBuilder(hv, xs).build(cfg, {"/k", kernel_image(), {}}, {}));
        REQUIRE(xs.calls.back() == "await /local/domain/0/backend/vbd/7/51712");
        REQUIRE(hv.calls.back() == "unpause 7");
    }
    SECTION("refused: blkback's reason, and nothing left behind") {
        xs.answer = {BackendAnswer::kRefused, "cannot open /img/a.raw: No such file or directory"};
        auto r = DomainBuilder(hv, xs).build(cfg, {"/k", kernel_image(), {}}, {});
        REQUIRE_FALSE(r);
        REQUIRE(r.error().message ==
                "disk xvda (/img/a.raw): cannot open /img/a.raw: No such file or directory");
        REQUIRE(xs.calls.back() == "forget 7 00000000-0000-4000-8000-000000000001");
        REQUIRE(hv.calls.back() == "destroy 7");
    }
    SECTION("no answer: the creation fails and names the daemon") {
        xs.answer = {BackendAnswer::kSilent, {}};
        auto r = DomainBuilder(hv, xs).build(cfg, {"/k", kernel_image(), {}}, {});
        REQUIRE_FALSE(r);
        REQUIRE(r.error().message.find("tessera-blkback") != std::string::npos);
        REQUIRE(hv.calls.back() == "destroy 7");
    }
}
