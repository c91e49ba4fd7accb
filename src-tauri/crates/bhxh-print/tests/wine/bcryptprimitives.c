/*
 * A stand-in for Windows' bcryptprimitives.dll under Wine 8 (Debian 12),
 * which lacks it: Rust's standard library for Windows asks it for random
 * bytes (ProcessPrng, Windows 10 and later). Here they come from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. Built by
 * scripts/check-windows.sh --wine and put beside spooler_probe.exe, for the
 * tests only; Wine 9 and Windows have their own.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len) {
        ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
