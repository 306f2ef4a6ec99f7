/* libdw and libdwfl (elfutils) for Swift: the headers, plus the offline-reporting callbacks that
 * Swift cannot hand to libdwfl as a static table itself. */
#ifndef KLP_SPLIT_CLIBDW_SHIM_H
#define KLP_SPLIT_CLIBDW_SHIM_H
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>

/* Looks for no separate debuginfo file: the layout must come from the module's own DWARF, never
 * from /usr/lib/debug or debuginfod (dwfl_standard_find_debuginfo would try both). */
static inline int klp_dwfl_own_debuginfo_only(Dwfl_Module *module, void **userdata, const char *name,
                                               Dwarf_Addr base, const char *file_name,
                                               const char *debuglink_file, GElf_Word debuglink_crc,
                                               char **debuginfo_file_name) {
    (void)module; (void)userdata; (void)name; (void)base; (void)file_name;
    (void)debuglink_file; (void)debuglink_crc; (void)debuginfo_file_name;
    return -1;
}

/* dwfl_begin for reading ET_REL files offline: libdwfl gives each SHF_ALLOC section an address
 * (dwfl_offline_section_address) and, when it loads the DWARF, applies the .rela.debug_*
 * relocations (string offsets into .debug_str, .debug_str_offsets, .debug_line_str, ...).
 * The callback table must outlive the Dwfl, so it is static. */
static inline Dwfl *klp_dwfl_begin_offline(void) {
    static const Dwfl_Callbacks callbacks = {
        .find_elf = NULL,
        .find_debuginfo = klp_dwfl_own_debuginfo_only,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = NULL,
    };
    return dwfl_begin(&callbacks);
}
#include <sys/syscall.h>
#include <unistd.h>
/* memfd_create(name, MFD_CLOEXEC) (Linux 3.17), by system call: glibc declares it only under
   _GNU_SOURCE. An anonymous file for handing decompressed module bytes to dwfl_report_offline. */
static inline int klp_memfd_create(const char *name) { return (int)syscall(SYS_memfd_create, name, 1U /* MFD_CLOEXEC */); }
#endif
