// xl.cfg interpretation: Xen's example configurations, defaults, Arm rules and clear errors.
#include "toolstack/domain_config.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tessera::toolstack;

namespace {

ParsedConfig ok(std::string_view text, std::vector<std::string> overrides = {}) {
    auto p = parse_domain_config(text, "domU.cfg", overrides);
    INFO(text);
    if (!p) INFO(p.error().message);
    REQUIRE(p.has_value());
    return std::move(*p);
}

std::string error(std::string_view text, std::vector<std::string> overrides = {}) {
    auto p = parse_domain_config(text, "domU.cfg", overrides);
    INFO(text);
    REQUIRE_FALSE(p.has_value());
    return p.error().message;
}

constexpr std::string_view kMinimal = "name = 'g'\nkernel = '/boot/Image'\n";

}  // namespace

// The settings of Xen's tools/examples/xlexample.pvhlinux, with its commented-out options.
TEST_CASE("config: Xen's PVH Linux example") {
    auto p =
        ok("# =====================================================================\n"
           "# Example PVH Linux guest configuration\n"
           "# =====================================================================\n"
           "type = \"pvh\"\n"
           "name = \"example.pvhlinux\"\n"
           "#uuid = \"e5f0e5c6-7b6a-4d2b-8e5c-bd0d6a4b7c21\"\n"
           "kernel = \"/boot/vmlinuz\"\n"
           "#ramdisk = \"/boot/initrd.gz\"\n"
           "extra = \"root=/dev/xvda1\"\n"
           "memory = 512\n"
           "#maxmem = 512\n"
           "vcpus = 4\n"
           "#maxvcpus = 8\n"
           "#cpus = \"all\"\n"
           "vif = [ '' ]\n"
           "disk = [ '/dev/zvol/tank/guest-volume,raw,xvda,rw' ]\n");
    const DomainConfig& c = p.config;
    REQUIRE(p.warnings.empty());
    REQUIRE(c.name == "example.pvhlinux");
    REQUIRE(c.type == DomainType::kPvh);
    REQUIRE(c.kernel == "/boot/vmlinuz");
    REQUIRE(c.cmdline == "root=/dev/xvda1");
    REQUIRE(c.target_memkb == 512 * 1024);
    REQUIRE(c.max_memkb == 512 * 1024);
    REQUIRE(c.vcpus == 4);
    REQUIRE(c.max_vcpus == 4);
    REQUIRE(c.cpus_hard.empty());
    REQUIRE(c.vifs.size() == 1);
    REQUIRE(c.vifs[0].devid == 0u);
    REQUIRE_FALSE(c.vifs[0].mac.has_value());
    REQUIRE(c.disks.size() == 1);
    REQUIRE(c.disks[0].target == "/dev/zvol/tank/guest-volume");
    REQUIRE(c.disks[0].vdev == "xvda");
    REQUIRE(c.disks[0].readwrite);
    REQUIRE_FALSE(c.uuid_from_config);
}

// Xen's xlexample.pvlinux has no type: on Arm that is PVH already; type = "pv" converts.
TEST_CASE("config: Xen's PV Linux example becomes PVH on Arm") {
    auto p = ok(
        "name = \"example.pvlinux\"\nkernel = \"/boot/vmlinuz\"\nextra = \"root=/dev/xvda1\"\n"
        "memory = 128\nvcpus = 2\nvif = [ '' ]\ndisk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\n");
    REQUIRE(p.config.type == DomainType::kPvh);
    REQUIRE(p.warnings.empty());
    auto pv = ok(std::string(kMinimal) + "type = 'pv'\n");
    REQUIRE(pv.config.type == DomainType::kPvh);
    REQUIRE(pv.warnings.size() == 1);
    REQUIRE(pv.warnings[0] ==
            "domU.cfg:3: warning: converting PV guest to PVH: Arm guests are PVH");
    REQUIRE(ok(std::string(kMinimal) + "builder = 'generic'\n").warnings.size() == 1);
}

// Xen's xlexample.hvm: HVM does not exist on Arm.
TEST_CASE("config: Xen's HVM example is refused on Arm") {
    REQUIRE(error("type = \"hvm\"\nname = \"example.hvm\"\nmemory = 128\nvcpus = 2\n"
                  "vif = [ '' ]\ndisk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\nsdl = 1\n") ==
            "domU.cfg:1: type: HVM guests are not supported on Arm; use type = \"pvh\"");
    REQUIRE(error(std::string(kMinimal) + "builder = 'hvm'\n").find("HVM guests") !=
            std::string::npos);
    REQUIRE(error(std::string(kMinimal) + "type = 'pvh'\nbuilder = 'hvm'\n") ==
            "domU.cfg:4: builder: contradicts type = \"pvh\"");
    REQUIRE(error(std::string(kMinimal) + "type = 'xen'\n") ==
            "domU.cfg:3: type: expected \"pvh\", \"pv\" or \"hvm\", got \"xen\"");
}

TEST_CASE("config: defaults as libxl sets them") {
    const DomainConfig c = ok(kMinimal).config;
    REQUIRE(c.target_memkb == 32 * 1024);
    REQUIRE(c.max_memkb == 32 * 1024);
    REQUIRE(c.vcpus == 1);
    REQUIRE(c.max_vcpus == 1);
    REQUIRE_FALSE(c.cmdline.has_value());
    REQUIRE(c.on_poweroff == ShutdownAction::kDestroy);
    REQUIRE(c.on_reboot == ShutdownAction::kRestart);
    REQUIRE(c.on_crash == ShutdownAction::kDestroy);
    REQUIRE(c.on_watchdog == ShutdownAction::kDestroy);
    REQUIRE(c.on_soft_reset == ShutdownAction::kSoftReset);
    REQUIRE(c.gic_version == GicVersion::kNative);
    REQUIRE(c.uuid.bytes != Uuid{}.bytes);  // random when not given
}

TEST_CASE("config: cmdline, root and extra combine as xl combines them") {
    std::string base(kMinimal);
    REQUIRE(ok(base + "root = '/dev/xvda1'\nextra = 'console=hvc0'\n").config.cmdline ==
            "root=/dev/xvda1 console=hvc0");
    REQUIRE(ok(base + "root = '/dev/xvda1'\n").config.cmdline == "root=/dev/xvda1");
    REQUIRE(ok(base + "extra = 'quiet'\n").config.cmdline == "quiet");
    auto p = ok(base + "cmdline = 'console=hvc0'\nroot = '/dev/xvda1'\nextra = 'x'\n");
    REQUIRE(p.config.cmdline == "console=hvc0");
    REQUIRE(p.warnings ==
            std::vector<std::string>{
                "domU.cfg:3: warning: ignoring root= and extra= in favour of cmdline="});
}

TEST_CASE("config: memory and vCPU settings, with ranges checked") {
    std::string base(kMinimal);
    auto c = ok(base + "memory = 0x100\nmaxmem = 1024\nvcpus = 2\nmaxvcpus = 8\n").config;
    REQUIRE(c.target_memkb == 256 * 1024);
    REQUIRE(c.max_memkb == 1024 * 1024);
    REQUIRE(c.vcpus == 2);
    REQUIRE(c.max_vcpus == 8);
    REQUIRE(ok(base + "memory = \"64\"\n").config.target_memkb == 64 * 1024);  // quoted works too

    REQUIRE(error(base + "\n\n\n\nmemory = \"lots\"\n") ==
            "domU.cfg:7: memory: expected a number, got \"lots\"");
    REQUIRE(error(base + "memory = 0\n") == "domU.cfg:3: memory: 0 is out of range (1 to 1043456)");
    REQUIRE(error(base + "memory = [256]\n") ==
            "domU.cfg:3: memory: expected a number, got a list");
    REQUIRE(error(base + "memory = 256\nmemory += 1\n") ==
            "domU.cfg:4: memory: can't use += with numbers");
    REQUIRE(error(base + "memory = 512\nmaxmem = 256\n") ==
            "domU.cfg:4: maxmem: 256 MiB is less than memory (512 MiB)");
    REQUIRE(error(base + "vcpus = 0\n") == "domU.cfg:3: vcpus: 0 is out of range (1 to 128)");
    REQUIRE(error(base + "vcpus = 129\n") == "domU.cfg:3: vcpus: 129 is out of range (1 to 128)");
    REQUIRE(error(base + "vcpus = 4\nmaxvcpus = 2\n") ==
            "domU.cfg:4: maxvcpus: 2 is less than vcpus (4)");
}

TEST_CASE("config: cpus and cpus_soft in every form") {
    std::string base = std::string(kMinimal) + "vcpus = 3\n";
    auto all = ok(base + "cpus = 'all'\n").config;
    REQUIRE(all.cpus_hard.size() == 3);
    REQUIRE(all.cpus_hard[2].is_all());
    auto range = ok(base + "cpus = \"2-3\"\ncpus_soft = \"0,2\"\n").config;
    REQUIRE(range.cpus_hard.size() == 3);
    REQUIRE(range.cpus_hard[1].str() == "2-3");
    REQUIRE(range.cpus_soft[0].str() == "0,2");
    auto except = ok(base + "cpus = \"0-3,^1\"\n").config;
    REQUIRE(except.cpus_hard[0].str() == "0,2-3");
    auto per_vcpu = ok(base + "cpus = [\"2\", \"3-4\"]\n").config;
    REQUIRE(per_vcpu.cpus_hard.size() == 2);  // vCPU 2 keeps no affinity
    REQUIRE(per_vcpu.cpus_hard[0].str() == "2");
    REQUIRE(per_vcpu.cpus_hard[1].str() == "3-4");
    auto extra = ok(base + "cpus = ['0', '1', '2', '3']\n");
    REQUIRE(extra.config.cpus_hard.size() == 3);
    REQUIRE(extra.warnings.size() == 1);

    REQUIRE(error(base + "cpus = \"nodes:0\"\n") ==
            "domU.cfg:4: cpus: NUMA node selection \"nodes:0\" is not supported: Tessera has no "
            "NUMA topology");
    REQUIRE(error(base + "cpus = ['1', 'x']\n") == "domU.cfg:4: cpus: invalid CPU range \"x\"");
    REQUIRE(error(base + "cpus_soft = '^1'\n") == "domU.cfg:4: cpus_soft: \"^1\" selects no CPU");
    REQUIRE(error(base + "cpus = '5000'\n") ==
            "domU.cfg:4: cpus: CPU 5000 is out of range (at most 4095)");
}

TEST_CASE("config: shutdown actions") {
    auto c = ok(std::string(kMinimal) +
                "on_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
                "on_crash = 'coredump-restart'\non_watchdog = 'coredump-destroy'\n")
                 .config;
    REQUIRE(c.on_poweroff == ShutdownAction::kPreserve);
    REQUIRE(c.on_reboot == ShutdownAction::kRenameRestart);
    REQUIRE(c.on_crash == ShutdownAction::kCoredumpRestart);
    REQUIRE(c.on_watchdog == ShutdownAction::kCoredumpDestroy);
    REQUIRE(to_string(ShutdownAction::kCoredumpDestroy) == "coredump-destroy");
    REQUIRE(error(std::string(kMinimal) + "on_crash = 'explode'\n")
                .starts_with("domU.cfg:3: on_crash: unknown action \"explode\""));
}

TEST_CASE("config: gic_version") {
    std::string base(kMinimal);
    REQUIRE(ok(base + "gic_version = 'v3'\n").config.gic_version == GicVersion::kV3);
    REQUIRE(ok(base + "gic_version = 'native'\n").config.gic_version == GicVersion::kNative);
    REQUIRE(ok(base + "gic_version = 'default'\n").config.gic_version == GicVersion::kNative);
    REQUIRE(error(base + "gic_version = 'v2'\n") ==
            "domU.cfg:3: gic_version: \"v2\" is not supported: Tessera emulates a GICv3 only");
    REQUIRE(error(base + "gic_version = 'v4'\n").starts_with("domU.cfg:3: gic_version: expected"));
}

TEST_CASE("config: identity") {
    auto c = ok("name='a'\nkernel='/k'\nuuid = '3F2504E0-4F89-41D3-9A0C-0305E82C3301'\n").config;
    REQUIRE(c.uuid.str() == "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    REQUIRE(c.uuid_from_config);
    REQUIRE(error("kernel = '/k'\n") == "name: a domain name must be specified");
    REQUIRE(error("name = '42'\nkernel = '/k'\n").starts_with("domU.cfg:1: name: \"42\" would be"));
    REQUIRE(error("name='a'\nkernel='/k'\nuuid = 'nope'\n") ==
            "domU.cfg:3: uuid: invalid UUID \"nope\"");
    REQUIRE(error("name = 'a'\n") == "kernel: no kernel given; set kernel = \"/path/to/Image\"");
}

TEST_CASE("config: disks and vifs, with errors naming the list item's line") {
    auto p = ok(std::string(kMinimal) +
                "disk = [\n"
                "  'phy:/dev/vg/root,xvda,w',\n"
                "  '/srv/cd.iso,,xvdc,cdrom',\n"
                "]\n"
                "vif = [ 'mac=00:16:3E:74:3d:76,bridge=xenbr1', 'ip=10.0.0.2', 'accel=x' ]\n");
    const DomainConfig& c = p.config;
    REQUIRE(c.disks.size() == 2);
    REQUIRE(c.disks[0].target == "/dev/vg/root");
    REQUIRE(c.disks[1].cdrom);
    REQUIRE_FALSE(c.disks[1].readwrite);
    REQUIRE(c.vifs.size() == 3);
    REQUIRE(c.vifs[1].devid == 1u);
    REQUIRE(c.vifs[1].ip == "10.0.0.2");
    REQUIRE(p.warnings == std::vector<std::string>{
                              "domU.cfg:7: warning: vif: unrecognized argument \"accel=x\""});

    std::string base(kMinimal);
    REQUIRE(error(base + "disk = [\n 'a,raw,xvda',\n 'b,raw',\n]\n") ==
            "domU.cfg:5: disk: disk spec \"b,raw\": no vdev specified");
    REQUIRE(error(base + "disk = ['a,,xvda', 'b,,xvda']\n") ==
            "domU.cfg:3: disk: vdev xvda is used by two disks");
    REQUIRE(error(base + "disk = ['a,qcow2,xvda']\n").find("format qcow2 is not supported") !=
            std::string::npos);
    REQUIRE(error(base + "disk = 'a,,xvda'\n") ==
            "domU.cfg:3: disk: expected a list [ ... ], got \"a,,xvda\"");
    REQUIRE(error(base + "vif = ['mac=00:16:3e:zz:00:01']\n") ==
            "domU.cfg:3: vif: invalid MAC address \"00:16:3e:zz:00:01\" (expected six hex bytes "
            "such as 00:16:3e:12:34:56)");
}

TEST_CASE("config: unknown settings are warnings, passthrough settings are errors") {
    auto p = ok(std::string(kMinimal) + "\nvnc = 1\nfrobnicate = 'x'\n");
    REQUIRE(p.warnings == std::vector<std::string>{
                              "domU.cfg:4: warning: unknown setting \"vnc\" ignored",
                              "domU.cfg:5: warning: unknown setting \"frobnicate\" ignored"});
    REQUIRE(error(std::string(kMinimal) + "dtdev = ['/soc/eth@1000']\n") ==
            "domU.cfg:3: dtdev: is not supported by Tessera");
    REQUIRE(ok(std::string(kMinimal) + "pci = []\n").warnings.empty());
}

TEST_CASE("config: KEY=VALUE overrides from the command line") {
    auto c =
        ok(std::string(kMinimal) + "memory = 256\nvcpus = 1\n", {"memory=1024", "vcpus=2"}).config;
    REQUIRE(c.target_memkb == 1024 * 1024);
    REQUIRE(c.vcpus == 2);
    REQUIRE(error(std::string(kMinimal), {"memory=\"lots\""}) ==
            "command line:1: memory: expected a number, got \"lots\"");
    // As in xl, an unquoted word is not a value: strings need quotes on the command line too.
    REQUIRE(error(std::string(kMinimal), {"memory=lots"}) ==
            "command line:1: syntax error near \"lots\": expected a string, a number or '['");
    REQUIRE(ok(std::string(kMinimal), {"extra=\"console=hvc0\""}).config.cmdline == "console=hvc0");
    REQUIRE(error(std::string(kMinimal), {"memory"}).starts_with("command line:1: syntax error"));
}

TEST_CASE("config: the example configurations shipped in toolstack/examples") {
    const std::string dir = TOOLSTACK_EXAMPLES_DIR;
    auto domu = load_domain_config(dir + "/domU.cfg");
    REQUIRE(domu.has_value());
    REQUIRE(domu->warnings.empty());
    REQUIRE(domu->config.name == "domU");
    REQUIRE(domu->config.vcpus == 1);
    REQUIRE(domu->config.target_memkb == 256 * 1024);
    REQUIRE(domu->config.kernel == "/boot/Image");
    REQUIRE(domu->config.ramdisk == "/boot/domU-initrd.gz");
    REQUIRE(domu->config.cmdline == "console=hvc0");

    auto net = load_domain_config(dir + "/domU-disk-net.cfg");
    REQUIRE(net.has_value());
    REQUIRE(net->warnings.empty());
    const DomainConfig& c = net->config;
    REQUIRE(c.max_vcpus == 4);
    REQUIRE(c.cpus_hard.size() == 2);
    REQUIRE(c.cmdline == "root=/dev/xvda1 ro console=hvc0 rootwait");
    REQUIRE(c.disks.size() == 2);
    REQUIRE(c.disks[1].target == "/srv/images/data.img");
    REQUIRE_FALSE(c.disks[1].readwrite);
    REQUIRE(c.vifs.size() == 2);
    REQUIRE(c.vifs[1].rate.has_value());
    REQUIRE(c.on_crash == ShutdownAction::kPreserve);

    auto missing = load_domain_config(dir + "/does-not-exist.cfg");
    REQUIRE_FALSE(missing.has_value());
    REQUIRE(missing.error().message.find("unable to open configuration file") != std::string::npos);
}
