#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_d_stableOutBuffer (an experimental parameter of the stable setParameter)
#include "common/zstd_artifact.hpp"

#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "common/mapped_file.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

namespace {
constexpr std::size_t kPiece = 64 * 1024;

struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct FileClose {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

Error zstd_error(const char* what, std::size_t rc) {
    return make_error("zstd", std::string(what) + ": " + ZSTD_getErrorName(rc));
}

// The smallest window log that covers `bytes` (source and target together),
// so every match into the source is in reach.
int window_log_for(std::uint64_t bytes) {
    int log = ZSTD_WINDOWLOG_MIN;
    while (log < ZSTD_WINDOWLOG_MAX && (std::uint64_t{1} << log) < bytes) ++log;
    return log;
}

Status check(std::size_t rc, const char* what) {
    if (ZSTD_isError(rc)) return zstd_error(what, rc);
    return ok_status();
}
}  // namespace

Expected<std::uint64_t> zstd_encode_file(const std::filesystem::path& source, const std::filesystem::path& target,
                                         const std::filesystem::path& out, int level) {
    std::unique_ptr<MappedFile> src;
    if (!source.empty()) {
        auto s = MappedFile::open_read(source);
        if (!s) return s.error();
        src = std::move(*s);
    }
    auto tgt = MappedFile::open_read(target);
    if (!tgt) return tgt.error();
    std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
    if (!cctx) return make_error("zstd", "cannot create a compression context");
    auto st = check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level), "level");
    if (st && src) {
        st = check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, 1), "long distance matching");
        if (st)
            st = check(
                ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, window_log_for(src->size() + (*tgt)->size())),
                "window log");
        if (st && src->size() > 0) st = check(ZSTD_CCtx_refPrefix(cctx.get(), src->data(), src->size()), "prefix");
    }
    if (st) st = check(ZSTD_CCtx_setPledgedSrcSize(cctx.get(), (*tgt)->size()), "pledged size");
    if (!st) return st.error();

    std::unique_ptr<std::FILE, FileClose> file(std::fopen(out.c_str(), "wb"));
    if (!file) return make_error("io", "cannot create " + out.string());
    std::vector<char> buffer(ZSTD_CStreamOutSize());
    ZSTD_inBuffer in{(*tgt)->data(), (*tgt)->size(), 0};
    std::uint64_t written = 0;
    for (;;) {
        ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
        std::size_t left = ZSTD_compressStream2(cctx.get(), &o, &in, ZSTD_e_end);
        if (ZSTD_isError(left)) return zstd_error("compress", left);
        if (o.pos && std::fwrite(buffer.data(), 1, o.pos, file.get()) != o.pos)
            return make_error("io", "cannot write " + out.string());
        written += o.pos;
        if (left == 0) break;
    }
    if (std::fflush(file.get()) != 0 || ::fsync(fileno(file.get())) != 0)
        return make_error("io", "cannot sync " + out.string());
    return written;
}

Expected<std::uint64_t> zstd_decode_into(std::string_view prefix, const ArtifactReader& next, char* out,
                                         std::size_t out_size) {
    std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
    if (!dctx) return make_error("zstd", "cannot create a decompression context");
    auto st = check(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX), "window log");
    // The output is the whole target, in place: zstd keeps no window buffer of its own.
    if (st) st = check(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_stableOutBuffer, 1), "stable output");
    if (st && !prefix.empty()) st = check(ZSTD_DCtx_refPrefix(dctx.get(), prefix.data(), prefix.size()), "prefix");
    if (!st) return st.error();
    ZSTD_outBuffer o{out, out_size, 0};
    bool frame_done = false;
    for (;;) {
        auto piece = next();
        if (!piece) return piece.error();
        if (piece->empty()) break;
        if (frame_done) return make_error("bad_artifact", "bytes after the end of the zstd frame");
        ZSTD_inBuffer in{piece->data(), piece->size(), 0};
        while (in.pos < in.size) {
            const std::size_t in_before = in.pos, out_before = o.pos;
            std::size_t rc = ZSTD_decompressStream(dctx.get(), &o, &in);
            if (ZSTD_isError(rc))
                return make_error("bad_artifact", std::string("zstd frame: ") + ZSTD_getErrorName(rc));
            if (rc == 0) {
                frame_done = true;
                if (in.pos < in.size) return make_error("bad_artifact", "bytes after the end of the zstd frame");
                break;
            }
            if (in.pos == in_before && o.pos == out_before)
                return make_error("bad_artifact", "the frame decodes to more than " + std::to_string(out_size) +
                                                      " bytes (the signed target size)");
        }
    }
    if (!frame_done) return make_error("bad_artifact", "the zstd frame is truncated");
    if (o.pos != out_size)
        return make_error("bad_artifact", "the frame decodes to " + std::to_string(o.pos) + " bytes, not the " +
                                              std::to_string(out_size) + " of the signed target");
    return static_cast<std::uint64_t>(o.pos);
}

Expected<DecodedImage> zstd_decode_file(const std::filesystem::path& source, const std::filesystem::path& artifact,
                                        const std::filesystem::path& out, std::uint64_t target_size) {
    std::unique_ptr<MappedFile> src;
    if (!source.empty()) {
        auto s = MappedFile::open_read(source);
        if (!s) return s.error();
        src = std::move(*s);
    }
    std::ifstream in(artifact, std::ios::binary);
    if (!in) return make_error("io", "cannot open " + artifact.string());
    auto dst = MappedFile::create(out, static_cast<std::size_t>(target_size));
    if (!dst) return dst.error();
    std::vector<char> buffer(kPiece);
    ArtifactReader reader = [&]() -> Expected<std::string_view> {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.bad()) return make_error("io", "cannot read " + artifact.string());
        return std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount()));
    };
    const std::string_view prefix = src ? std::string_view(src->data(), src->size()) : std::string_view();
    auto n = zstd_decode_into(prefix, reader, (*dst)->writable(), (*dst)->size());
    if (!n) return n.error();
    Sha256 h;
    for (std::size_t off = 0; off < (*dst)->size(); off += 1024 * 1024)
        h.update(std::string_view((*dst)->data() + off, std::min<std::size_t>(1024 * 1024, (*dst)->size() - off)));
    auto st = (*dst)->sync();
    if (!st) return st.error();
    return DecodedImage{to_hex(h.finish()), *n};
}

}  // namespace fleetcast
