// Userdata files: DIR/userdata-d.<domid>.<uuid>.<key>.
#include "toolstack/userdata.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace tessera::toolstack {

namespace fs = std::filesystem;

std::string UserdataStore::path(DomId dom, const Uuid& uuid, const std::string& key) const {
    return dir_ + "/userdata-d." + std::to_string(dom) + "." + uuid.str() + "." + key;
}

Result<void> UserdataStore::save(DomId dom, const Uuid& uuid, const std::string& key,
                                 const std::string& data) const {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return fail("cannot create " + dir_ + ": " + ec.message());
    const std::string final_path = path(dom, uuid, key);
    const std::string tmp = dir_ + "/userdata-n." + std::to_string(dom) + "." + uuid.str() + "." +
                            key + "." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << data;
        out.flush();
        if (!out) {
            fs::remove(tmp, ec);
            return fail("cannot write " + tmp);
        }
    }
    fs::rename(tmp, final_path, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        return fail("cannot rename " + tmp + " to " + final_path + ": " + ec.message());
    }
    return {};
}

Result<std::optional<std::string>> UserdataStore::load(DomId dom, const Uuid& uuid,
                                                       const std::string& key) const {
    const std::string p = path(dom, uuid, key);
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return fail("cannot open " + p + ": " + std::strerror(errno));
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail("error reading " + p);
    return std::optional<std::string>{std::move(data)};
}

void UserdataStore::remove_all(DomId dom) const {
    const std::string prefix = "userdata-d." + std::to_string(dom) + ".";
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(prefix)) {
            std::error_code ignored;
            fs::remove(it->path(), ignored);
        }
    }
}

}  // namespace tessera::toolstack
