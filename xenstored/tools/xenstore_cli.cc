// tessera-xenstore: a small xenstore client for dom0 shells and tests, over libs/xs.
// Usage: tessera-xenstore read PATH | write PATH VALUE | ls PATH | tree PATH | rm PATH |
//        exists PATH   (tree: every node under PATH, one path a line, depth first)
// It talks to xenstored's socket, or with --xenbus through the dom0 kernel's /dev/xen/xenbus
// (which relays over the kernel's own xenstore ring).
#include <cstdio>
#include <cstring>
#include <string>

#include "xs/client.hpp"

namespace {

int fail(const std::string& what, const tessera::xs::Error& e) {
    std::fprintf(stderr, "tessera-xenstore: %s: %s\n", what.c_str(), e.message.c_str());
    return 1;
}

int usage() {
    std::fprintf(stderr,
                 "usage: tessera-xenstore [--xenbus] read PATH | write PATH VALUE | ls PATH | "
                 "tree PATH | rm PATH | exists PATH\n");
    return 2;
}

/// Prints path and every node below it; false (after a message) when a listing fails.
bool print_tree(tessera::xs::Client& c, const std::string& path) {
    std::printf("%s\n", path.c_str());
    auto d = c.directory(path);
    if (!d) {
        fail(path, d.error());
        return false;
    }
    for (const auto& name : *d) {
        if (!print_tree(c, path == "/" ? "/" + name : path + "/" + name)) return false;
    }
    return true;
}

}  // namespace

tessera::xs::Result<tessera::xs::Client> connect(bool xenbus) {
    if (!xenbus) return tessera::xs::Client::open();
    auto t = tessera::xs::open_xenbus();
    if (!t) return std::unexpected(t.error());
    return tessera::xs::Client(std::move(*t));
}

int main(int argc, char** argv) {
    bool xenbus = argc > 1 && std::strcmp(argv[1], "--xenbus") == 0;
    if (xenbus) {
        ++argv;
        --argc;
    }
    if (argc < 3) return usage();
    std::string cmd = argv[1], path = argv[2];
    auto client = connect(xenbus);
    if (!client) return fail("cannot connect to xenstored", client.error());
    if (cmd == "read" && argc == 3) {
        auto v = client->read(path);
        if (!v) return fail(path, v.error());
        std::printf("%s\n", v->c_str());
    } else if (cmd == "write" && argc == 4) {
        auto r = client->write(path, argv[3]);
        if (!r) return fail(path, r.error());
    } else if (cmd == "ls" && argc == 3) {
        auto d = client->directory(path);
        if (!d) return fail(path, d.error());
        for (const auto& name : *d) std::printf("%s\n", name.c_str());
    } else if (cmd == "tree" && argc == 3) {
        if (!print_tree(*client, path)) return 1;
    } else if (cmd == "rm" && argc == 3) {
        auto r = client->rm(path);
        if (!r) return fail(path, r.error());
    } else if (cmd == "exists" && argc == 3) {
        return client->read(path) ? 0 : 1;
    } else {
        return usage();
    }
    return 0;
}
