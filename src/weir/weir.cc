// libweir: every module linked into one shared library.
namespace weir {
const char* versionString() { return WEIR_VERSION; }
}  // namespace weir
