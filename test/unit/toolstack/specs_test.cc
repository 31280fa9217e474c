// cpu lists, DISKSPECs (xl-disk-configuration(5)), vifspecs (xl-network-configuration(5)), vdevs.
#include <catch2/catch.hpp>

#include "toolstack/cpu_set.h"
#include "toolstack/disk_spec.h"
#include "toolstack/vdev.h"
#include "toolstack/vif_spec.h"

using namespace tessera::toolstack;

TEST_CASE("cpus: Xen's forms") {
    REQUIRE(CpuSet::parse("all")->is_all());
    REQUIRE(CpuSet::parse("3")->str() == "3");
    REQUIRE(CpuSet::parse("2-5")->str() == "2-5");
    REQUIRE(CpuSet::parse("0,2")->str() == "0,2");
    REQUIRE(CpuSet::parse("0-7,^3,^5-6")->str() == "0-2,4,7");
    REQUIRE(CpuSet::parse("all,^0")->str() == "1-4095");
    REQUIRE(CpuSet::parse("1, 3")->str() == "1,3");
    REQUIRE(CpuSet::parse("4,,5")->str() == "4-5");
    REQUIRE(CpuSet::parse("2-5")->contains(5));
    REQUIRE_FALSE(CpuSet::parse("2-5")->contains(6));
    REQUIRE(CpuSet::parse("2-5")->count() == 4);
    REQUIRE(CpuSet::parse("3") == CpuSet::parse("3-3"));

    REQUIRE(CpuSet::parse("5-3").error().message == "invalid CPU range \"5-3\"");
    REQUIRE(CpuSet::parse("-1").error().message == "invalid CPU range \"-1\"");
    REQUIRE(CpuSet::parse("1x").error().message == "invalid CPU range \"1x\"");
    REQUIRE(CpuSet::parse("^all").error().message == "\"^all\" is not allowed");
    REQUIRE(CpuSet::parse("").error().message == "empty CPU list");
    REQUIRE(CpuSet::parse("^2").error().message == "\"^2\" selects no CPU");
    REQUIRE(CpuSet::parse("node:1").error().message.find("NUMA") != std::string::npos);
    REQUIRE(CpuSet::parse("4096").error().message == "CPU 4096 is out of range (at most 4095)");
}

TEST_CASE("vdev: names to xenstore device numbers (xen-vbd-interface(7))") {
    REQUIRE(vdev_to_devid("xvda") == 51712u);  // 202 << 8
    REQUIRE(vdev_to_devid("xvdb2") == (202u << 8 | 1 << 4 | 2));
    REQUIRE(vdev_to_devid("d0") == 51712u);
    REQUIRE(vdev_to_devid("d0p1") == 51713u);
    REQUIRE(vdev_to_devid("d1p2") == *vdev_to_devid("xvdb2"));
    REQUIRE(vdev_to_devid("xvdq") == (1u << 28 | 16 << 8));  // disk 16 needs the extended form
    REQUIRE(vdev_to_devid("xvdtq37") == (1u << 28 | 536 << 8 | 37));
    REQUIRE(vdev_to_devid("d536p37") == *vdev_to_devid("xvdtq37"));
    REQUIRE(vdev_to_devid("sdb3") == (8u << 8 | 1 << 4 | 3));
    REQUIRE(vdev_to_devid("hda") == (3u << 8));
    REQUIRE(vdev_to_devid("hdb1") == (3u << 8 | 1 << 6 | 1));
    REQUIRE(vdev_to_devid("hdc2") == (22u << 8 | 2));
    REQUIRE(vdev_to_devid("51712") == 51712u);
    REQUIRE(vdev_to_devid("0xca00") == 51712u);
    for (const char* bad : {"", "xvd", "xvda0", "sdq", "hde", "hda64", "vda", "d", "dp1", "d0p256",
                            "xvda256", "xvdA"}) {
        INFO(bad);
        REQUIRE_FALSE(vdev_to_devid(bad).has_value());
    }
}

TEST_CASE("disk: the equivalent forms of xl-disk-configuration(5)") {
    for (const char* spec : {"/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw",
                             "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
                             "raw:/dev/vg/guest-volume,hda,w"}) {
        INFO(spec);
        auto d = DiskSpec::parse(spec);
        REQUIRE(d.has_value());
        REQUIRE(d->target == "/dev/vg/guest-volume");
        REQUIRE(d->format == DiskFormat::kRaw);
        REQUIRE(d->vdev == "hda");
        REQUIRE(d->devid == (3u << 8));
        REQUIRE(d->readwrite);
        REQUIRE_FALSE(d->cdrom);
    }
    for (const char* spec :
         {"/root/image.iso,,hdc,cdrom", "/root/image.iso,,hdc,,cdrom",
          "/root/image.iso,raw,hdc,devtype=cdrom",
          "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
          "raw:/root/image.iso,hdc:cdrom,ro"}) {
        INFO(spec);
        auto d = DiskSpec::parse(spec);
        REQUIRE(d.has_value());
        REQUIRE(d->target == "/root/image.iso");
        REQUIRE(d->vdev == "hdc");
        REQUIRE(d->cdrom);
        REQUIRE_FALSE(d->readwrite);
    }
}

TEST_CASE("disk: prefixes, flags, keys and the empty cdrom") {
    auto phy = DiskSpec::parse("phy:/dev/vg0/root,xvda,w");
    REQUIRE(phy->target == "/dev/vg0/root");
    REQUIRE(phy->vdev == "xvda");
    REQUIRE(phy->readwrite);
    auto file = DiskSpec::parse("file:/srv/disk.img,xvdb,r");
    REQUIRE(file->target == "/srv/disk.img");
    REQUIRE_FALSE(file->readwrite);
    REQUIRE(DiskSpec::parse("tap:aio:/srv/x.img,xvdc,w")->target == "/srv/x.img");
    REQUIRE(DiskSpec::parse("iscsi:iqn.2001-05.com.example:t1,xvdd,w")->script == "block-iscsi");

    auto empty_cd = DiskSpec::parse(",hdc:cdrom,r");
    REQUIRE(empty_cd.has_value());
    REQUIRE(empty_cd->target.empty());
    REQUIRE(empty_cd->format == DiskFormat::kEmpty);
    REQUIRE(empty_cd->cdrom);

    auto keys = DiskSpec::parse(
        "vdev=xvde, backendtype=phy, script=block-drbd, backend=driverdom, discard, untrusted, "
        "direct-io-safe, target=/dev/with,comma");
    REQUIRE(keys.has_value());
    REQUIRE(keys->target == "/dev/with,comma");
    REQUIRE(keys->backendtype == DiskBackendType::kPhy);
    REQUIRE(keys->script == "block-drbd");
    REQUIRE(keys->backend == "driverdom");
    REQUIRE(keys->discard == true);
    REQUIRE(keys->trusted == false);
    REQUIRE(keys->direct_io_safe);
    REQUIRE(DiskSpec::parse("/x,,xvda,no-discard")->discard == false);
    REQUIRE(DiskSpec::parse("/x,qcow2,xvda")->format == DiskFormat::kQcow2);
    REQUIRE(DiskSpec::parse("vdev=xvda,specification=virtio,target=/x")->specification ==
            DiskSpecification::kVirtio);
}

TEST_CASE("disk: errors say what is wrong") {
    auto msg = [](std::string_view spec) {
        auto d = DiskSpec::parse(spec);
        REQUIRE_FALSE(d.has_value());
        return d.error().message;
    };
    REQUIRE(msg("/x,raw") == "disk spec \"/x,raw\": no vdev specified");
    REQUIRE(msg("vdev=xvda") ==
            "disk spec \"vdev=xvda\": no target specified (and device not a removable cdrom)");
    REQUIRE(msg("/x,vmdk,xvda") == "disk spec \"/x,vmdk,xvda\": unknown value for format \"vmdk\"");
    REQUIRE(msg("/x,,xvda,rw,extra") ==
            "disk spec \"/x,,xvda,rw,extra\": too many positional parameters \"extra\"");
    REQUIRE(msg("/x,,xvda,rx") == "disk spec \"/x,,xvda,rx\": unknown value for access \"rx\"");
    REQUIRE(msg("/x,,xvda,colour=red") ==
            "disk spec \"/x,,xvda,colour=red\": unknown parameter \"colour\"");
    REQUIRE(msg("format=raw,format=qcow2,vdev=xvda,target=/x").find("format respecified") !=
            std::string::npos);
    REQUIRE(msg("/x,,xvda,vdev=xvdb").find("vdev respecified") != std::string::npos);
    REQUIRE(msg("foo:/x,xvda") ==
            "disk spec \"foo:/x,xvda\": unknown deprecated disk prefix \"foo:\"");
    REQUIRE(msg("/x,,vda").find("invalid virtual disk name \"vda\"") != std::string::npos);
    REQUIRE(msg("/x,,xvda,devtype=floppy").find("unknown value for devtype") != std::string::npos);
}

TEST_CASE("vif: keys of xl-network-configuration(5)") {
    std::vector<std::string> warnings;
    auto v = VifSpec::parse(
        "mac=00:16:3E:74:3d:76,bridge=xenbr1, ip=192.0.2.7,type=vif,model=e1000,vifname=web0,"
        "script=vif-route,backend=netdom,gatewaydev=eth0,mtu=9000,devid=3,rate=10Mb/s,trusted",
        warnings);
    REQUIRE(v.has_value());
    REQUIRE(warnings.empty());
    REQUIRE(to_string(*v->mac) == "00:16:3e:74:3d:76");
    REQUIRE(v->bridge == "xenbr1");
    REQUIRE(v->ip == "192.0.2.7");
    REQUIRE(v->type == "vif");
    REQUIRE(v->model == "e1000");
    REQUIRE(v->vifname == "web0");
    REQUIRE(v->script == "vif-route");
    REQUIRE(v->backend == "netdom");
    REQUIRE(v->gatewaydev == "eth0");
    REQUIRE(v->mtu == 9000u);
    REQUIRE(v->devid == 3u);
    REQUIRE(v->trusted == true);
    // 10 Mbit/s = 1.25 MB/s; over the default 50 ms interval: 62500 bytes.
    REQUIRE(v->rate->bytes_per_interval == 62500);
    REQUIRE(v->rate->interval_usecs == 50000);

    auto empty = VifSpec::parse("", warnings);
    REQUIRE(empty.has_value());
    REQUIRE_FALSE(empty->mac.has_value());
    REQUIRE(VifSpec::parse("netdev=eth1,frob=1,accel", warnings)->gatewaydev == "eth1");
    REQUIRE(warnings.size() == 3);
}

TEST_CASE("vif: rates as the documentation's examples") {
    REQUIRE(VifRate::parse("250KB/s")->bytes_per_interval == 250000 / 20);
    auto r = VifRate::parse("1MB/s@20ms");
    REQUIRE(r->bytes_per_interval == 20000);
    REQUIRE(r->interval_usecs == 20000);
    REQUIRE(VifRate::parse("8b/s@1s")->bytes_per_interval == 1);
    REQUIRE(VifRate::parse("1GB/s@100us")->interval_usecs == 100);
    REQUIRE(VifRate::parse("1GB/s@5m")->interval_usecs == 5000);
    for (const char* bad : {"", "@20ms", "10/s", "10Mb", "0MB/s", "10TB/s", "1MB/s@", "1MB/s@5h",
                            "1MB/s@0ms", "99999999999B/s"}) {
        INFO(bad);
        REQUIRE_FALSE(VifRate::parse(bad).has_value());
    }
}

TEST_CASE("vif: errors") {
    std::vector<std::string> w;
    REQUIRE(VifSpec::parse("mac=00:16:3e:00:00", w).error().message.starts_with("invalid MAC"));
    REQUIRE(
        VifSpec::parse("mac=00:16:3e:00:00:01:02", w).error().message.starts_with("invalid MAC"));
    REQUIRE(VifSpec::parse("mac=00:16:3e:100:00:01", w).error().message.starts_with("invalid MAC"));
    REQUIRE(VifSpec::parse("mac=01:00:5e:00:00:01", w).error().message ==
            "mac: 01:00:5e:00:00:01 is a multicast address");
    REQUIRE(VifSpec::parse("type=tap", w).error().message ==
            "type: expected \"vif\" or \"ioemu\", got \"tap\"");
    REQUIRE(VifSpec::parse("mtu=big", w).error().message == "mtu: expected a number, got \"big\"");
    REQUIRE(VifSpec::parse("mtu=20", w).error().message == "mtu: 20 is out of range (68-65535)");
    REQUIRE(VifSpec::parse("rate=fast", w).error().message == "rate: invalid rate \"fast\"");
}
