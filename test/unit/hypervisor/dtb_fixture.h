// Loads the QEMU virt DTBs that meson dumps at build time (see meson.build).
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<char> load_test_dtb(const std::string& name) {
    const char* dir = std::getenv("TESSERA_TEST_DTB_DIR");
    REQUIRE(dir != nullptr);
    std::ifstream in(std::string(dir) + "/" + name, std::ios::binary);
    REQUIRE(in.good());
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 64);
    return bytes;
}

inline std::size_t test_payload_size() {
    const char* p = std::getenv("TESSERA_TEST_PAYLOAD");
    REQUIRE(p != nullptr);
    std::ifstream in(p, std::ios::binary | std::ios::ate);
    REQUIRE(in.good());
    return static_cast<std::size_t>(in.tellg());
}
