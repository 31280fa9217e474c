// DomainConfig → JSON with yajl's generator.
#include "toolstack/config_json.h"

#include <yajl/yajl_gen.h>

#include <memory>
#include <string_view>

namespace tessera::toolstack {
namespace {

/// A yajl generator owned by RAII; the first failing call is remembered and reported at the end.
class Json {
public:
    Json() : gen_(yajl_gen_alloc(nullptr), &yajl_gen_free) {
        yajl_gen_config(gen_.get(), yajl_gen_beautify, 1);
        yajl_gen_config(gen_.get(), yajl_gen_indent_string, "    ");
    }

    void key(std::string_view k) { str(k); }
    void str(std::string_view s) {
        check(yajl_gen_string(gen_.get(), reinterpret_cast<const unsigned char*>(s.data()),
                              s.size()));
    }
    void num(uint64_t n) { check(yajl_gen_integer(gen_.get(), static_cast<long long>(n))); }
    void boolean(bool b) { check(yajl_gen_bool(gen_.get(), b)); }
    void open_map() { check(yajl_gen_map_open(gen_.get())); }
    void close_map() { check(yajl_gen_map_close(gen_.get())); }
    void open_array() { check(yajl_gen_array_open(gen_.get())); }
    void close_array() { check(yajl_gen_array_close(gen_.get())); }

    void field(std::string_view k, std::string_view v) { key(k), str(v); }
    void field(std::string_view k, uint64_t v) { key(k), num(v); }
    /// Strings libxl leaves out when unset are left out here too.
    void optional_field(std::string_view k, std::string_view v) {
        if (!v.empty()) field(k, v);
    }

    Result<std::string> finish() {
        if (status_ != yajl_gen_status_ok) {
            return fail("JSON generation failed (yajl status " + std::to_string(status_) + ")");
        }
        const unsigned char* buf = nullptr;
        size_t len = 0;
        yajl_gen_get_buf(gen_.get(), &buf, &len);
        return std::string(reinterpret_cast<const char*>(buf), len);
    }

private:
    void check(yajl_gen_status s) {
        if (status_ == yajl_gen_status_ok) status_ = s;
    }

    std::unique_ptr<yajl_gen_t, decltype(&yajl_gen_free)> gen_;
    yajl_gen_status status_ = yajl_gen_status_ok;
};

void affinity(Json& j, std::string_view name, const std::vector<CpuSet>& sets) {
    if (sets.empty()) return;
    j.key(name);
    j.open_array();
    for (const CpuSet& s : sets) j.str(s.str());
    j.close_array();
}

void disk(Json& j, const DiskSpec& d) {
    j.open_map();
    j.optional_field("backend_domname", d.backend);
    j.optional_field("pdev_path", d.target);
    j.field("vdev", d.vdev);
    j.field("devid", d.devid);
    if (d.backendtype != DiskBackendType::kAuto) j.field("backend", to_string(d.backendtype));
    j.field("format", to_string(d.format));
    j.optional_field("script", d.script);
    j.field("removable", uint64_t{d.cdrom});
    j.field("readwrite", uint64_t{d.readwrite});
    j.field("is_cdrom", uint64_t{d.cdrom});
    if (d.direct_io_safe) j.key("direct_io_safe"), j.boolean(true);
    if (d.discard) j.key("discard_enable"), j.boolean(*d.discard);
    if (d.trusted) j.key("trusted"), j.boolean(*d.trusted);
    j.close_map();
}

void nic(Json& j, const VifSpec& v) {
    j.open_map();
    j.optional_field("backend_domname", v.backend);
    if (v.devid) j.field("devid", *v.devid);
    if (v.mtu) j.field("mtu", *v.mtu);
    j.optional_field("model", v.model);
    if (v.mac) j.field("mac", to_string(*v.mac));
    j.optional_field("ip", v.ip);
    j.field("bridge", v.bridge.empty() ? kDefaultBridge : std::string_view(v.bridge));
    j.optional_field("ifname", v.vifname);
    j.optional_field("script", v.script);
    j.optional_field("nictype", v.type);
    if (v.rate) {
        j.field("rate_bytes_per_interval", v.rate->bytes_per_interval);
        j.field("rate_interval_usecs", v.rate->interval_usecs);
    }
    j.optional_field("gatewaydev", v.gatewaydev);
    if (v.trusted) j.key("trusted"), j.boolean(*v.trusted);
    j.close_map();
}

void write_config(Json& j, const DomainConfig& c) {
    j.open_map();
    j.key("c_info");
    j.open_map();
    j.field("type", to_string(c.type));
    j.field("name", c.name);
    j.field("uuid", c.uuid.str());
    j.close_map();

    j.key("b_info");
    j.open_map();
    j.field("max_vcpus", c.max_vcpus);
    j.key("avail_vcpus");
    j.open_array();
    for (unsigned i = 0; i < c.vcpus; ++i) j.num(i);
    j.close_array();
    affinity(j, "vcpu_hard_affinity", c.cpus_hard);
    affinity(j, "vcpu_soft_affinity", c.cpus_soft);
    j.field("max_memkb", c.max_memkb);
    j.field("target_memkb", c.target_memkb);
    if (c.max_grant_frames) j.field("max_grant_frames", *c.max_grant_frames);
    if (c.max_maptrack_frames) j.field("max_maptrack_frames", *c.max_maptrack_frames);
    if (c.max_event_channels) j.field("event_channels", *c.max_event_channels);
    j.field("kernel", c.kernel);
    if (c.cmdline) j.field("cmdline", *c.cmdline);
    j.optional_field("ramdisk", c.ramdisk);
    j.key("type.pvh");
    j.open_map();
    j.close_map();
    j.key("arch_arm");
    j.open_map();
    j.field("gic_version", to_string(c.gic_version));
    j.close_map();
    j.close_map();

    j.key("disks");
    j.open_array();
    for (const DiskSpec& d : c.disks) disk(j, d);
    j.close_array();
    j.key("nics");
    j.open_array();
    for (const VifSpec& v : c.vifs) nic(j, v);
    j.close_array();

    j.field("on_poweroff", to_string(c.on_poweroff));
    j.field("on_reboot", to_string(c.on_reboot));
    j.field("on_watchdog", to_string(c.on_watchdog));
    j.field("on_crash", to_string(c.on_crash));
    j.field("on_soft_reset", to_string(c.on_soft_reset));
    j.close_map();
}

}  // namespace

Result<std::string> config_to_json(const DomainConfig& c) {
    Json j;
    write_config(j, c);
    return j.finish();
}

Result<std::string> domains_to_json(std::span<const std::pair<uint32_t, DomainConfig>> domains) {
    Json j;
    j.open_array();
    for (const auto& [domid, config] : domains) {
        j.open_map();
        j.field("domid", uint64_t{domid});
        j.key("config");
        write_config(j, config);
        j.close_map();
    }
    j.close_array();
    return j.finish();
}

}  // namespace tessera::toolstack
